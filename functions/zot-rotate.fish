function zot-rotate --description 'Rotate the zot CI API key: mise run rotate-zot-key in the project that syncs it'
    set -l project $PWD
    if set -q ZOT_ROTATE_PROJECT; and test -n "$ZOT_ROTATE_PROJECT"
        set project $ZOT_ROTATE_PROJECT
    end
    if not command -q mise
        echo "zot-rotate: mise is not installed; see https://mise.jdx.dev" >&2
        return 127
    end
    if not mise --cd $project tasks info rotate-zot-key >/dev/null 2>&1
        echo "zot-rotate: no rotate-zot-key task in $project; cd into the project that includes it, or set ZOT_ROTATE_PROJECT to it" >&2
        return 1
    end
    # stdin passes through, so `pbpaste | zot-rotate` works; the key is never an argument
    mise --cd $project run rotate-zot-key $argv
end
