package cli

// Examples shown under a command's --help (kong's HelpProvider: the Help
// method's text is the command's detail).

func (*SetCmd) Help() string {
	return `Examples:
  pbpaste | zotkey set                     # a key copied from the zot web UI
  zotkey set --from prompt                 # type or paste it, hidden
  pbpaste | zotkey --store keyring set --expires-in 30d`
}

func (*RotateCmd) Help() string {
	return `Examples:
  zotkey rotate --dry-run                  # check the current key, say what it would do
  zotkey rotate                            # mint, store, run the settings' sync; the daily job retires the old key
  zotkey rotate -- mise run provision-indri -- --tags forgejo_actions_secrets`
}

func (*StatusCmd) Help() string {
	return `Examples:
  zotkey status                            # from the local record, no network
  zotkey status --check                    # ask the registry, record its answer
  zotkey status --warn-days 14 --quiet     # exit 3 (and say so) when 14 days or fewer are left
  zotkey status --json | jq .daysLeft`
}
