function zot-rotate --description 'Rotate the zot CI API key: mise run rotate-zot-key in the project that syncs it'
    # A word that may be a secret (zotkey's rule, redact.SecretWord; this line
    # is generated from it) is refused and never printed: if it is a key, it
    # is already in the shell history. The task names any other stray word.
    set -l secret_word '[zZ][aA][kK]_|[oO][pP][sS]_|[0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz]{20,}'
    if string match -rq -- $secret_word $argv
        echo "zot-rotate: an argument looks like a key or token (not shown); if it is one, it is now in your shell history: replace it (zot-rotate mints a new key); pass keys on stdin (pbpaste | zot-rotate)" >&2
        return 2
    end
    set -l project $PWD
    if set -q ZOT_ROTATE_PROJECT; and test -n "$ZOT_ROTATE_PROJECT"
        set project $ZOT_ROTATE_PROJECT
    end
    if not command -q mise
        echo "zot-rotate: mise is not installed; see https://mise.jdx.dev" >&2
        return 127
    end
    # mise's own message names the cause (untrusted config, unreachable include,
    # no such task); no key is involved yet, so it is shown as it is.
    set -l mise_err (mise --cd $project tasks info rotate-zot-key 2>&1 >/dev/null)
    if test $status -ne 0
        printf '%s\n' $mise_err >&2
        echo "zot-rotate: mise could not load the rotate-zot-key task in $project (its message is above); cd into the project that includes it, or set ZOT_ROTATE_PROJECT to it" >&2
        return 1
    end
    # stdin passes through, so `pbpaste | zot-rotate` works; the key is never an argument
    mise --cd $project run rotate-zot-key $argv
end
