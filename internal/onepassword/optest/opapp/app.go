// Package opapp is a stand-in 1Password app for tests: a C library at the
// app's path (testdata/standin.c, built with the cgo toolchain) that the
// real SDK's desktop-app code loads, and the app it talks to (App), which
// keeps its items in a optest.File.
package opapp

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/onepassword/optest"
)

// Answer is how the stand-in app answers a sign-in (the SDK's init_client,
// internal/shared_lib_core.go:92-112).
type Answer string

const (
	// Approved: the user approves zotkey; the client ID comes back as the
	// JSON number the SDK unmarshals (internal/core.go:42-46).
	Approved Answer = "approved"
	// Denied: the user refuses; the app answers success=false and the SDK
	// returns the payload as the error (shared_lib_core_unix.go:155-160,
	// client_builder.go:52). The app's own text is not in the SDK's source:
	// this one is the stand-in's, and zotkey must not depend on it.
	Denied Answer = "denied"
	// IntegrationOff: Settings → Developer → "Integrate with other apps" is
	// off; the library returns -2 on Linux (-3 on macOS), which the SDK maps
	// to errChannelClosed (shared_lib_core.go:156, :175-183).
	IntegrationOff Answer = "integration-off"
	// Locked: the app waits for the user to unlock it, then approves
	// (Unlock). Assumed, as docs/1password.md says: no text for a locked app
	// is in the SDK's source.
	Locked Answer = "locked"
	// Silent: the app never answers (onepassword-sdk-go issue 266: after
	// sleep the app can hang with no prompt); the SDK's call takes no context
	// (shared_lib_core.go:92-132), so it blocks until the app goes away.
	Silent Answer = "silent"
)

// AppNotRunning is the return code the library gives when it cannot reach
// the app: the SDK's errConnectionDropped on Linux (shared_lib_core.go:157,
// :180); the stand-in library returns it when no app listens.
const AppNotRunning = -5

// App is the stand-in 1Password app behind the stand-in library: it serves
// the SDK's messages from a fake 1Password kept in a optest.File, so the
// scripts' other 1Password commands see what it wrote.
type App struct {
	Socket string // the Unix socket; the library reads it from $ZOTKEY_TEST_OPAPP
	State  string // the optest.File the items live in
	Log    string // one line per message: "init_client ACCOUNT", "invoke METHOD", "overlap"

	mu       sync.Mutex
	answer   Answer
	account  string
	latency  time.Duration
	expire   bool            // the next invoke answers DesktopSessionExpired
	hangOn   map[string]bool // method → whether it is done before the silence (Stall)
	unlocked chan struct{}
	stop     chan struct{}
	ln       net.Listener
	wg       sync.WaitGroup
	nextID   uint64
}

// StartApp serves the stand-in app on socket, answering sign-ins for
// account. Close it to end every call still waiting.
func StartApp(socket, state, log, account string) (*App, error) {
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return nil, err
	}
	a := &App{Socket: socket, State: state, Log: log, answer: Approved, account: account, hangOn: map[string]bool{},
		unlocked: make(chan struct{}), stop: make(chan struct{}), ln: ln}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			a.wg.Add(1)
			go func() { defer a.wg.Done(); a.serve(c) }()
		}
	}()
	return a, nil
}

// Close stops the app: calls still waiting see the connection drop.
func (a *App) Close() {
	a.mu.Lock()
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	a.mu.Unlock()
	a.ln.Close()
	a.wg.Wait()
}

// SetAnswer sets how the next sign-ins are answered.
func (a *App) SetAnswer(ans Answer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.answer = ans
	if ans == Locked {
		a.unlocked = make(chan struct{})
	}
}

// Unlock lets sign-ins waiting on a locked app through, approved.
func (a *App) Unlock() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.answer = Approved
	select {
	case <-a.unlocked:
	default:
		close(a.unlocked)
	}
}

// Expire makes the next invoke answer that the session expired (the app
// locked, or the approval lapsed): the SDK signs in again inside the same
// call and retries it once (client_builder.go:99-120, errors.go:35-38).
func (a *App) Expire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expire = true
}

// SetLatency delays every invoke by d (the app and 1Password's servers).
func (a *App) SetLatency(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.latency = d
}

// HangOn makes invokes of method (e.g. "ItemsGet", "ItemsPut") never answer
// until the app closes, without doing anything; "" clears every hang and stall.
func (a *App) HangOn(method string) { a.hang(method, false) }

// Stall makes invokes of method do their work, then never answer: a write
// that lands though its caller gave up on it.
func (a *App) Stall(method string) { a.hang(method, true) }

func (a *App) hang(method string, land bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if method == "" {
		a.hangOn = map[string]bool{}
		return
	}
	a.hangOn[method] = land
}

func (a *App) logf(format string, args ...any) {
	if a.Log == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.OpenFile(a.Log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintf(f, format+"\n", args...)
	f.Close()
}

// request and response are the SDK's envelope (shared_lib_core.go:15-24);
// Payload is []byte, so JSON carries it base64-encoded.
type request struct {
	Kind        string `json:"kind"`
	AccountName string `json:"account_name"`
	Payload     []byte `json:"payload"`
}

type response struct {
	Success bool   `json:"success"`
	Payload []byte `json:"payload"`
}

func (a *App) serve(c net.Conn) {
	defer c.Close()
	var hdr [8]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	flags, n := binary.NativeEndian.Uint32(hdr[:4]), binary.NativeEndian.Uint32(hdr[4:])
	msg := make([]byte, n)
	if _, err := io.ReadFull(c, msg); err != nil {
		return
	}
	rc, out := a.handle(flags, msg)
	if rc == hang {
		// Hold the call until the app closes; the library then sees the
		// connection drop.
		<-a.stop
		return
	}
	var back [8]byte
	binary.NativeEndian.PutUint32(back[:4], uint32(rc))
	binary.NativeEndian.PutUint32(back[4:], uint32(len(out)))
	_, _ = c.Write(append(back[:], out...))
}

const hang = int32(1 << 30)

func ok(v any) (int32, []byte) {
	p, err := json.Marshal(v)
	if err != nil {
		return fail(err.Error())
	}
	b, _ := json.Marshal(response{Success: true, Payload: p})
	return 0, b
}

// fail is success=false with the error's text as the payload, which the SDK
// returns as the error (shared_lib_core_unix.go:155-160) and unmarshals as
// {"name","message"} or plain text (errors.go:26-47).
func fail(text string) (int32, []byte) {
	b, _ := json.Marshal(response{Success: false, Payload: []byte(text)})
	return 0, b
}

func (a *App) handle(flags uint32, msg []byte) (int32, []byte) {
	var req request
	if err := json.Unmarshal(msg, &req); err != nil {
		return fail("stand-in: bad request: " + err.Error())
	}
	if flags&1 != 0 {
		a.logf("overlap %s", req.Kind)
		return fail("stand-in: a call overlapped another of the same process (onepassword-sdk-go issue 290: the SDK's desktop path takes no lock)")
	}
	switch req.Kind {
	case "init_client":
		return a.initClient(req)
	case "invoke":
		return a.invoke(req)
	case "release_client":
		a.logf("release_client")
		return ok(nil)
	}
	return fail("stand-in: unknown kind " + req.Kind)
}

func (a *App) initClient(req request) (int32, []byte) {
	a.mu.Lock()
	ans, unlocked := a.answer, a.unlocked
	a.mu.Unlock()
	a.logf("init_client %s %s", req.AccountName, ans)
	switch ans {
	case Denied:
		return fail("stand-in: the user denied access to zotkey")
	case IntegrationOff:
		return -2, nil
	case Silent:
		return hang, nil
	case Locked:
		select {
		case <-unlocked:
		case <-a.stop:
			return hang, nil
		}
	}
	if req.AccountName != a.account {
		// The app's text for an account it does not know
		// (1Password/terraform-provider-onepassword#327, as desktop.go cites).
		return fail("An internal error occurred when processing SDK request: Error { msg: Account not found, inner: None }")
	}
	a.mu.Lock()
	a.nextID++
	id := a.nextID
	a.mu.Unlock()
	return ok(id)
}

// invoke serves the SDK's InvokeConfig (internal/core.go:107-121) for the
// methods zotkey calls: VaultsList (vaults.go:72), ItemsList (items.go:186),
// ItemsGet (items.go:98), ItemsPut (items.go:132). The answer's payload is
// the method's result as JSON, which clientInvoke's caller unmarshals.
func (a *App) invoke(req request) (int32, []byte) {
	var inv struct {
		Invocation struct {
			ClientID   *uint64 `json:"clientId"`
			Parameters struct {
				Name   string                     `json:"name"`
				Params map[string]json.RawMessage `json:"parameters"`
			} `json:"parameters"`
		} `json:"invocation"`
	}
	if err := json.Unmarshal(req.Payload, &inv); err != nil {
		return fail("stand-in: bad invocation: " + err.Error())
	}
	method, params := inv.Invocation.Parameters.Name, inv.Invocation.Parameters.Params
	a.mu.Lock()
	latency, expire := a.latency, a.expire
	a.expire = false
	land, hangs := a.hangOn[method]
	a.mu.Unlock()
	if expire {
		a.logf("invoke %s expired", method)
		return fail(`{"name":"DesktopSessionExpired","message":"the desktop app session expired"}`)
	}
	if f, ok := params["filters"]; ok && method == "ItemsList" {
		a.logf("invoke %s filters %s", method, f) // for scripts that check the state filter
	}
	a.logf("invoke %s", method)
	if hangs && !land {
		return hang, nil
	}
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-a.stop:
			return hang, nil
		}
	}
	rc, out := a.do(method, params)
	if hangs {
		return hang, nil // done, never answered
	}
	return rc, out
}

func (a *App) do(method string, params map[string]json.RawMessage) (int32, []byte) {
	ctx := context.Background()
	f := optest.File{Path: a.State}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(params[k], &s)
		return s
	}
	switch method {
	case "VaultsList":
		return result(f.ListVaults(ctx))
	case "ItemsGet":
		return result(f.GetItem(ctx, str("vault_id"), str("item_id")))
	case "ItemsPut":
		var item op.Item
		if err := json.Unmarshal(params["item"], &item); err != nil {
			return fail("invalid user input: " + err.Error())
		}
		return result(f.PutItem(ctx, item))
	case "ItemsList":
		var filters []op.ItemListFilter
		if err := json.Unmarshal(params["filters"], &filters); err != nil {
			return fail("invalid user input: " + err.Error())
		}
		return result(a.listItems(str("vault_id"), filters))
	}
	return fail("stand-in: method " + method + " is not served")
}

func result[T any](v T, err error) (int32, []byte) {
	if err != nil {
		return fail(err.Error())
	}
	return ok(v)
}

// listItems lists a vault's items, each with its State (types.go:440-441),
// kept by filters: a ByState filter (types.go:1096-1099) keeps the states it
// names. Without a filter it lists archived items too: which items the core
// lists then is decided inside the WASM core and the app, not in the SDK's Go
// code, so the stand-in takes the case that would hurt.
func (a *App) listItems(vaultID string, filters []op.ItemListFilter) ([]op.ItemOverview, error) {
	b, err := os.ReadFile(a.State)
	if err != nil {
		return nil, err
	}
	var m optest.Memory
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(m.Vaults, func(v op.VaultOverview) bool { return v.ID == vaultID }) {
		return nil, errors.New(optest.NotFoundText)
	}
	keep := func(s op.ItemState) bool {
		if len(filters) == 0 {
			return true
		}
		for _, f := range filters {
			if bs := f.ByState(); bs != nil && ((s == op.ItemStateActive && bs.Active) || (s == op.ItemStateArchived && bs.Archived)) {
				return true
			}
		}
		return false
	}
	out := []op.ItemOverview{}
	for _, it := range m.Items {
		state := op.ItemStateActive
		if slices.Contains(m.Archived, it.ID) {
			state = op.ItemStateArchived
		}
		if it.VaultID == vaultID && keep(state) {
			out = append(out, op.ItemOverview{ID: it.ID, Title: it.Title, Category: it.Category, VaultID: it.VaultID,
				Tags: it.Tags, Websites: it.Websites, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, State: state})
		}
	}
	return out, nil
}
