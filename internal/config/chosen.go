package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/redact"
)

// Docs is the page that lists every setting.
const Docs = "docs/settings.md"

// Starter is the smallest settings file that works: zotkey has no built-in
// registry, so the one line names it.
const Starter = `registry = "https://zot.example.com"`

// chosenBy records, for each global flag, what set it: "--registry" (the
// command line), "$ZOTKEY_REGISTRY", "the settings file"; a flag left at its
// default is absent.
func chosenBy(kctx *kong.Context, r kong.Resolver, lookupEnv func(string) (string, bool)) map[string]string {
	chosen := map[string]string{}
	node := kctx.Model.Node
	if sel := kctx.Selected(); sel != nil {
		node = sel
	}
	for _, f := range kctx.Model.Node.Flags {
		if res, ok := r.(*resolver); ok {
			if _, _, found := res.lookup(node, f.Name); found {
				chosen[f.Name] = "the settings file"
			}
		}
		for _, env := range f.Envs {
			if _, set := lookupEnv(env); set {
				chosen[f.Name] = "$" + env
			}
		}
	}
	for _, p := range kctx.Path {
		if p.Flag != nil {
			chosen[p.Flag.Name] = "--" + p.Flag.Name
		}
	}
	return chosen
}

// Default says whether no flag, variable or setting chose the global flag name.
func (f *Found) Default(name string) bool {
	_, ok := f.Chosen[name]
	return !ok
}

// Mark is value, followed by " (default)" when no setting chose name.
func (f *Found) Mark(name, value string) string {
	if f.Default(name) {
		return value + " (default)"
	}
	return value
}

// Where is where the settings say the key lives and goes.
type Where struct{ Registry, User, Store, Vault, Item, Field string }

// Describe words w, marking each value that no setting chose " (default)"
// (status, doctor).
func (f *Found) Describe(w Where) string {
	reg := "no registry named"
	if w.Registry != "" {
		reg = "registry " + redact.Text(w.Registry)
	}
	pairs := []string{"user", w.User, "store", w.Store, "vault", w.Vault, "item", w.Item, "field", w.Field}
	if w.Store == "keyring" {
		pairs = []string{"user", w.User, "store", w.Store, "field", w.Field}
	}
	return reg + ", " + f.Values(pairs...)
}

// StatusLine is status's line on the settings: the file, or that there is
// none and the smallest that works, then Describe.
func (f *Found) StatusLine(w Where) string {
	from := "from " + f.Path
	if line := f.NoFile(); line != "" {
		from = line
	} else if f.Path == "" {
		from = "no settings file"
	}
	return redact.Text(from) + "; " + f.Describe(w)
}

// RegistryCheck is doctor's fix and failure with no registry named.
func (f *Found) RegistryCheck() (string, error) {
	return fmt.Sprintf("put %s in %s, or pass --registry (%s)", Starter, f.Path, Docs),
		errors.New("no registry is named, and zotkey has none built in")
}

// DoctorHeader is doctor's first lines: that there is no settings file (with
// the smallest that works), then Describe.
func (f *Found) DoctorHeader(w Where) string {
	if line := f.NoFile(); line != "" {
		return "zotkey doctor: " + line + "\nzotkey doctor: " + f.Describe(w) + "\n"
	}
	return "zotkey doctor: " + f.Describe(w) + "\n"
}

// Values words the settings that say where the key lives and goes, each
// value that no setting chose marked " (default)": pairs are name, value.
func (f *Found) Values(pairs ...string) string {
	var words []string
	for i := 0; i+1 < len(pairs); i += 2 {
		words = append(words, pairs[i]+" "+f.Mark(pairs[i], pairs[i+1]))
	}
	return redact.Text(strings.Join(words, ", "))
}

// NoRegistry is the one line for a command that would send a key with no
// registry named: zotkey has no built-in registry, so it sends nothing.
func (f *Found) NoRegistry() error {
	where := "the settings file " + f.Path
	if !f.Exists {
		where = "a settings file at " + f.Path + " (there is none yet)"
	}
	if f.Path == "" {
		where = "the settings file"
	}
	return hint.Alone(fmt.Errorf("no registry is named, and zotkey has none built in, so it sends no key: put %s in %s, or pass --registry or ZOTKEY_REGISTRY (%s)", Starter, where, Docs))
}

// NoFile is the line that says no settings file exists, with the smallest
// one that works; "" when there is one (or --config named another).
func (f *Found) NoFile() string {
	if f.Exists || f.Err != nil || f.Path == "" {
		return ""
	}
	return fmt.Sprintf("no settings file at %s; the smallest that works is the one line %s (%s)", f.Path, Starter, Docs)
}

// Ref is a 1Password secret reference parsed into the names it gives.
type Ref struct{ Vault, Item, Field string }

// refChars are the characters 1Password's secret reference syntax allows in a
// name (developer.1password.com/docs/cli/secrets-reference-syntax, "Syntax
// rules"): letters, digits, "-", "_", "." and the space; a name with any other
// character is written as its ID. There is no escape for "/" (FACTS.md).
func refChar(r rune) bool {
	return r == '-' || r == '_' || r == '.' || r == ' ' ||
		r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// ParseRef reads a secret reference as 1Password documents it,
// op://vault/item[/section]/field (developer.1password.com/docs/cli/secrets-reference-syntax),
// without the SDK (its Secrets.ValidateSecretReference loads the WASM core,
// secrets.go:67). The whole reference may be in double quotes, as the docs
// write one with a space for a shell or an env file. A section is refused:
// zotkey finds the field by its name in the item. So is a query
// (?attribute=…), which reads something other than the field's value.
func ParseRef(s string) (Ref, error) {
	bad := func(why string) (Ref, error) {
		return Ref{}, fmt.Errorf("ref %q is not a 1Password secret reference op://vault/item/field: %s", redact.Text(s), why)
	}
	ref := strings.TrimSpace(s)
	if len(ref) >= 2 && ref[0] == '"' && ref[len(ref)-1] == '"' {
		ref = ref[1 : len(ref)-1]
	}
	rest, ok := strings.CutPrefix(ref, "op://")
	if !ok {
		return bad("it must start with op://")
	}
	if strings.ContainsRune(rest, '?') {
		return bad("a query (?attribute=…) reads something other than the field; drop it")
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 4:
		return bad(fmt.Sprintf("it names the section %q; zotkey finds the field by its name in the item, so drop the section", parts[2]))
	case len(parts) != 3:
		return bad(fmt.Sprintf("it has %d parts after op://, not vault/item/field (a / in a name cannot be written: use the item's ID)", len(parts)))
	}
	for i, p := range parts {
		what := []string{"vault", "item", "field"}[i]
		if strings.TrimSpace(p) == "" {
			return bad("the " + what + " is empty")
		}
		if j := strings.IndexFunc(p, func(r rune) bool { return !refChar(r) }); j >= 0 {
			return bad(fmt.Sprintf("the %s %q has %q, which a reference cannot hold: write the %s's ID instead", what, redact.Text(p), p[j:j+1], what))
		}
	}
	return Ref{Vault: parts[0], Item: parts[1], Field: parts[2]}, nil
}

// Hooks are the kong options that read the settings file (BeforeResolve)
// and resolve ref (RefHook), given the globals they read and set.
func Hooks(found *Found, getenv func(string) string, configFile, ref, store, vault, item, field *string) []kong.Option {
	return []kong.Option{kong.WithBeforeResolve(BeforeResolve(configFile, getenv, found)),
		kong.WithAfterApply(RefHook(found, ref, store, vault, item, field))}
}

// RefHook is the kong AfterApply hook that resolves the ref setting (if any)
// into vault, item and field (found.ApplyRef). It is refused with the keyring
// as the store, where field names the entry.
func RefHook(found *Found, ref, store, vault, item, field *string) func(*kong.Context) error {
	var done *kong.Context
	return func(kctx *kong.Context) error {
		if done == kctx { // kong calls a hook once per element of the path
			return nil
		}
		done = kctx
		if *ref != "" && *store == "keyring" {
			return hint.Alone(fmt.Errorf("ref names a 1Password field, and the store is the keyring: name the keyring entry with field instead"))
		}
		return found.ApplyRef(*ref, vault, item, field)
	}
}

// ApplyRef resolves the ref setting (if any) into vault, item and field. It
// is refused beside any of those three, wherever each was set.
func (f *Found) ApplyRef(ref string, vault, item, field *string) error {
	if ref == "" {
		return nil
	}
	for _, name := range []string{"vault", "item", "field"} {
		if by, ok := f.Chosen[name]; ok {
			return hint.Alone(fmt.Errorf("ref (from %s) names the vault, item and field, so %s (from %s) cannot stand beside it: keep one of the two", f.Chosen["ref"], name, by))
		}
	}
	r, err := ParseRef(ref)
	if err != nil {
		return hint.Alone(err)
	}
	*vault, *item, *field = r.Vault, r.Item, r.Field
	if f.Chosen == nil {
		f.Chosen = map[string]string{}
	}
	for _, name := range []string{"vault", "item", "field"} {
		f.Chosen[name] = "ref"
	}
	return nil
}

// closest is the candidate nearest to word by edit distance, or "" when none
// is near enough to be what was meant.
func closest(word string, candidates []string) string {
	best, bestD := "", max(1, len([]rune(word))/3)+1 // at most a third of it wrong
	for _, c := range candidates {
		if d := distance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Closest is exported for the store's field names (doctor).
func Closest(word string, candidates []string) string { return closest(word, candidates) }

// distance is the Damerau–Levenshtein (optimal string alignment) distance, so a
// swap of two letters (regsitry) counts as one edit.
func distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// settingNames are every setting a table at node may hold: its flags (and
// those it inherits), at the top level every command's, and its commands.
func settingNames(node *kong.Node, anywhere bool) []string {
	var names []string
	for n := node; n != nil; n = n.Parent {
		for _, f := range n.Flags {
			names = append(names, f.Name)
		}
	}
	for _, c := range node.Children {
		if c.Type == kong.CommandNode {
			names = append(names, c.Name)
		}
	}
	var walk func(*kong.Node)
	walk = func(n *kong.Node) {
		for _, c := range n.Children {
			for _, f := range c.Flags {
				names = append(names, f.Name)
			}
			walk(c)
		}
	}
	if anywhere {
		walk(node)
	}
	return slices.DeleteFunc(names, func(s string) bool { return slices.Contains(notSettings, s) })
}
