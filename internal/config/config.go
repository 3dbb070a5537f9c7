// Package config reads zotkey's settings file as one more kong resolver, so a
// setting from the file lands in the same struct field as its flag and its
// ZOTKEY_* variable, with one precedence: flag, then variable, then file, then
// the flag's default.
//
// The file is TOML. A top-level key is a flag's long name and sets that flag
// wherever it appears (every global flag, and any command's flag of that
// name, e.g. a future `within = 14`); a table named after a command sets only
// that command's flags and wins over a top-level key:
//
//	store = "keyring"
//	timeout = "20s"
//
//	[rotate]
//	expires-in = "60d"
//
//	[token.set]        # a subcommand: its path as nested tables
//
// Any key that is not a flag (or a command's table) is an error naming the
// file and the key, so a typo never silently falls back to a default.
package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/pelletier/go-toml/v2"
)

// EnvVar names another settings file (so does --config).
const EnvVar = "ZOTKEY_CONFIG"

// MaxBytes bounds the file: settings are a few lines, and a path that points
// at /dev/zero must not be read without end.
const MaxBytes = 64 << 10

// notSettings are flags that make no sense in a file: they act, or they name the file.
var notSettings = []string{"help", "version", "config"}

// DefaultPath is $XDG_CONFIG_HOME/zotkey/config.toml, else
// ~/.config/zotkey/config.toml — on macOS too, where command-line tools (fish,
// mise, gh) keep their settings there rather than in ~/Library.
func DefaultPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "zotkey", "config.toml"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("neither XDG_CONFIG_HOME nor HOME is set, so there is no default settings file")
	}
	return filepath.Join(home, ".config", "zotkey", "config.toml"), nil
}

// Loader is the kong.ConfigurationLoader for settings files; lookupEnv
// (os.LookupEnv) tells it which flags already have their ZOTKEY_* variable set.
func Loader(lookupEnv func(string) (string, bool)) kong.ConfigurationLoader {
	return func(r io.Reader) (kong.Resolver, error) {
		name := "the settings file"
		if f, ok := r.(*os.File); ok {
			name = f.Name()
			if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("%s is not a regular file", name)
			}
		}
		values, err := parse(r, name)
		if err != nil {
			return nil, err
		}
		return &resolver{path: name, values: values, lookupEnv: lookupEnv}, nil
	}
}

func parse(r io.Reader, name string) (map[string]any, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("could not read %s: %v", name, err)
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("%s has more than %d KiB, far more than a few settings", name, MaxBytes>>10)
	}
	values := map[string]any{}
	if err := toml.Unmarshal(b, &values); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			line, col := derr.Position()
			return nil, fmt.Errorf("%s, line %d, column %d: not valid TOML: %s", name, line, col, strings.TrimPrefix(derr.Error(), "toml: "))
		}
		return nil, fmt.Errorf("%s: not valid TOML: %v", name, err)
	}
	return values, nil
}

type resolver struct {
	path      string
	values    map[string]any
	lookupEnv func(string) (string, bool)
}

// Resolve gives the file's value for flag, or nil when the flag's variable is
// set: kong lets a resolver beat the variable (the variable only feeds the
// default), so the resolver steps aside to keep "variable over file".
func (r *resolver) Resolve(_ *kong.Context, parent *kong.Path, flag *kong.Flag) (any, error) {
	for _, env := range flag.Envs {
		if _, ok := r.lookupEnv(env); ok {
			return nil, nil
		}
	}
	if slices.Contains(notSettings, flag.Name) {
		return nil, nil
	}
	v, key, ok := r.lookup(parent.Node(), flag.Name)
	if !ok {
		return nil, nil
	}
	// Parse into a scratch value first, so a bad value is reported against the
	// file and key it came from, not only the flag.
	scratch := reflect.New(flag.Target.Type()).Elem()
	if err := flag.Parse(kong.Scan().PushTyped(v, kong.FlagValueToken), scratch); err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // kong names the flag itself
		}
		return nil, fmt.Errorf("%s: setting %s: %w", r.path, key, err)
	}
	if flag.Enum != "" && !slices.Contains(flag.EnumSlice(), fmt.Sprint(v)) {
		return nil, fmt.Errorf("%s: setting %s: must be one of %s", r.path, key, strings.Join(flag.EnumSlice(), ", "))
	}
	return v, nil
}

// lookup finds name in the table of node's command path (most specific first),
// then at the top level. key is where it was found, for messages.
func (r *resolver) lookup(node *kong.Node, name string) (v any, key string, ok bool) {
	var path []string
	for n := node; n != nil && n.Type == kong.CommandNode; n = n.Parent {
		path = append([]string{n.Name}, path...)
	}
	for depth := len(path); depth >= 0; depth-- {
		table := r.values
		for _, p := range path[:depth] {
			t, isTable := table[p].(map[string]any)
			if !isTable {
				table = nil
				break
			}
			table = t
		}
		if v, ok := table[name]; ok {
			return v, strings.Join(append(slices.Clone(path[:depth]), name), "."), true
		}
	}
	return nil, "", false
}

// Validate refuses keys that are not settings of app: a typo is an error, not
// a setting silently ignored.
func (r *resolver) Validate(app *kong.Application) error {
	return r.check(app.Node, r.values, "")
}

func (r *resolver) check(node *kong.Node, table map[string]any, prefix string) error {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := table[k]
		if child := command(node, k); child != nil {
			sub, isTable := v.(map[string]any)
			if !isTable {
				return fmt.Errorf("%s: %s%s is a command: its settings go in a [%s%s] table", r.path, prefix, k, prefix, k)
			}
			if err := r.check(child, sub, prefix+k+"."); err != nil {
				return err
			}
			continue
		}
		if slices.Contains(notSettings, k) {
			return fmt.Errorf("%s: %s%s cannot be set in the settings file", r.path, prefix, k)
		}
		if !hasFlag(node, k, prefix == "") {
			return fmt.Errorf("%s: unknown setting %s%s (settings are the long flag names: zotkey --help)", r.path, prefix, k)
		}
	}
	return nil
}

func command(node *kong.Node, name string) *kong.Node {
	for _, c := range node.Children {
		if c.Type == kong.CommandNode && c.Name == name {
			return c
		}
	}
	return nil
}

// hasFlag: at the top level any flag of any command counts; in a command's
// table, the command's own flags and those it inherits.
func hasFlag(node *kong.Node, name string, anywhere bool) bool {
	for n := node; n != nil; n = n.Parent {
		for _, f := range n.Flags {
			if f.Name == name {
				return true
			}
		}
	}
	if anywhere {
		for _, c := range node.Children {
			if hasFlag(c, name, true) {
				return true
			}
		}
	}
	return false
}
