// Package config reads zotkey's settings file as one more kong resolver, so a
// setting from the file lands in the same struct field as its flag and its
// ZOTKEY_* variable, with one precedence: flag, then variable, then file, then
// the flag's default.
//
// The file is TOML. A top-level key is a flag's long name and sets that flag
// wherever it appears (every global flag, and any command's flag of that
// name, e.g. `within = 14`); a table named after a command sets that
// command's flags, global ones included, for that command only, and wins
// over a top-level key:
//
//	store = "keyring"
//	timeout = "20s"
//
//	[rotate]
//	expires-in = "60d"
//
//	[status]
//	timeout = "3s"     # a global flag, for status only
//
//	[token.set]        # a subcommand: its path as nested tables
//
// The file is trusted only as ssh trusts ~/.ssh/config: owned by the user or
// root and writable by nobody else, the folder that holds it too (perm.go).
// Every value in every table is checked against its flag whatever command
// runs; a duration or lifetime needs its unit (timeout = 10 is refused, not
// read as 10ns); any key that is not a flag (or a command's table) is an
// error naming the file and the key, so a typo never silently falls back to a
// default; and a key-shaped value or name (a zot API key pasted into the
// file) is refused without being printed.
package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/pelletier/go-toml/v2"

	"github.com/eblume/zotkey/internal/redact"
)

// EnvVar names another settings file (so does --config).
const EnvVar = "ZOTKEY_CONFIG"

// MaxBytes bounds the file: settings are a few lines, and a path that points
// at /dev/zero must not be read without end.
const MaxBytes = 64 << 10

// notSettings are flags that make no sense in a file: they act, or they name the file.
var notSettings = []string{"help", "version", "config"}

// Loader is the kong.ConfigurationLoader for settings files; lookupEnv
// (os.LookupEnv) tells it which flags already have their ZOTKEY_* variable set.
func Loader(lookupEnv func(string) (string, bool)) kong.ConfigurationLoader {
	return func(r io.Reader) (kong.Resolver, error) {
		name := "the settings file"
		if f, ok := r.(*os.File); ok {
			name = f.Name()
			fi, err := f.Stat()
			if err != nil {
				return nil, fmt.Errorf("could not read %s: %v", name, err)
			}
			if !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("%s is not a regular file", name)
			}
			if err := checkFile(name, fi); err != nil {
				return nil, err
			}
		}
		values, err := parse(r, name)
		if err != nil {
			return nil, err
		}
		if key := keyShaped(values, ""); key != "" {
			return nil, &KeyError{fmt.Sprintf("%s: setting %s holds a zot API key (%s); a setting never takes a key", name, key, redact.Placeholder)}
		}
		return &resolver{path: name, values: values, lookupEnv: lookupEnv}, nil
	}
}

// KeyError is a key-shaped value (or name) in a settings file or variable. The
// message names where it is, never the value.
type KeyError struct{ msg string }

func (e *KeyError) Error() string { return e.msg }

// keyShaped returns the first key (dotted, its own key-shaped parts replaced)
// whose name or value holds key-shaped text, or "".
func keyShaped(v any, at string) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := redact.Keys(k)
			if at != "" {
				name = at + "." + name
			}
			if redact.HasKey(k) {
				return name
			}
			if found := keyShaped(v[k], name); found != "" {
				return found
			}
		}
	case []any:
		for _, e := range v {
			if found := keyShaped(e, at); found != "" {
				return found
			}
		}
	case string:
		if redact.HasKey(v) {
			return at
		}
	}
	return ""
}

// CheckEnv refuses a variable of any flag of app (ZOTKEY_VAULT,
// ZOTKEY_REGISTRY, …) that holds key-shaped text, naming the variable only.
func CheckEnv(app *kong.Node, lookupEnv func(string) (string, bool)) error {
	var err error
	_ = kong.Visit(app, func(n kong.Visitable, next kong.Next) error {
		if f, ok := n.(*kong.Flag); ok && err == nil {
			for _, env := range f.Envs {
				if v, set := lookupEnv(env); set && redact.HasKey(v) {
					err = &KeyError{fmt.Sprintf("$%s holds a zot API key (%s); a setting never takes a key", env, redact.Placeholder)}
				}
			}
		}
		return next(nil)
	})
	return err
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
func (r *resolver) Resolve(ctx *kong.Context, parent *kong.Path, flag *kong.Flag) (any, error) {
	for _, env := range flag.Envs {
		if _, ok := r.lookupEnv(env); ok {
			return nil, nil
		}
	}
	if slices.Contains(notSettings, flag.Name) {
		return nil, nil
	}
	// The command that runs, not the flag's own node: a global flag set in
	// [status] applies when status runs.
	node := parent.Node()
	if ctx != nil {
		if sel := ctx.Selected(); sel != nil {
			node = sel
		}
	}
	v, key, ok := r.lookup(node, flag.Name)
	if !ok {
		return nil, nil
	}
	if err := r.checkValue(flag, v, key); err != nil {
		return nil, err
	}
	return v, nil
}

var durationType = reflect.TypeOf(time.Duration(0))

// checkValue parses v as flag would, into a scratch value, so a bad value is
// reported against the file and key it came from, not only the flag.
func (r *resolver) checkValue(flag *kong.Flag, v any, key string) error {
	_, isString := v.(string)
	switch {
	case flag.Target.Type() == durationType && !isString:
		return fmt.Errorf("%s: setting %s: %v has no unit; write the duration in quotes with its unit, e.g. %s = \"10s\"", r.path, key, v, lastPart(key))
	case flag.Target.Kind() == reflect.String && !isString:
		return fmt.Errorf("%s: setting %s: %v is not a string; write it in quotes (with its unit, if it is a duration or a lifetime: \"90d\")", r.path, key, v)
	}
	scratch := reflect.New(flag.Target.Type()).Elem()
	if err := flag.Parse(kong.Scan().PushTyped(v, kong.FlagValueToken), scratch); err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // kong names the flag itself
		}
		return fmt.Errorf("%s: setting %s: %w", r.path, key, err)
	}
	if flag.Enum != "" && !slices.Contains(flag.EnumSlice(), fmt.Sprint(v)) {
		return fmt.Errorf("%s: setting %s: must be one of %s", r.path, key, strings.Join(flag.EnumSlice(), ", "))
	}
	return nil
}

func lastPart(key string) string { return key[strings.LastIndex(key, ".")+1:] }

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
		flags := flagsNamed(node, k, prefix == "")
		if len(flags) == 0 {
			if near := closest(k, settingNames(node, prefix == "")); near != "" {
				return fmt.Errorf("%s: unknown setting %s%s: did you mean %s%s? (settings are the long flag names: zotkey --help)", r.path, prefix, k, prefix, near)
			}
			return fmt.Errorf("%s: unknown setting %s%s (settings are the long flag names: zotkey --help)", r.path, prefix, k)
		}
		// Checked now, whatever command runs: a bad [rotate] value must
		// not wait for the day rotate runs unattended.
		for _, f := range flags {
			if err := r.checkValue(f, v, prefix+k); err != nil {
				return err
			}
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

// flagsNamed: at the top level, the flags of that name in every command; in a
// command's table, the command's own flag or the one it inherits.
func flagsNamed(node *kong.Node, name string, anywhere bool) []*kong.Flag {
	for n := node; n != nil; n = n.Parent {
		for _, f := range n.Flags {
			if f.Name == name {
				if !anywhere {
					return []*kong.Flag{f}
				}
				return append([]*kong.Flag{f}, below(node, name)...)
			}
		}
	}
	if anywhere {
		return below(node, name)
	}
	return nil
}

func below(node *kong.Node, name string) []*kong.Flag {
	var found []*kong.Flag
	for _, c := range node.Children {
		for _, f := range c.Flags {
			if f.Name == name {
				found = append(found, f)
			}
		}
		found = append(found, below(c, name)...)
	}
	return found
}
