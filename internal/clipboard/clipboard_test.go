package clipboard

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

type fake struct{ text string }

func (f *fake) Read() (string, error)   { return f.text, nil }
func (f *fake) Write(text string) error { f.text = text; return nil }

func TestClearIfOnlyClearsTheSecret(t *testing.T) {
	c := &fake{text: "secret\n"}
	if cleared, _ := ClearIf(c, "secret"); !cleared || c.text != "" {
		t.Fatalf("clipboard holding the secret: cleared=%v, now %q", cleared, c.text)
	}
	c.text = "something newer"
	if cleared, _ := ClearIf(c, "secret"); cleared || c.text != "something newer" {
		t.Fatalf("clipboard that moved on: cleared=%v, now %q", cleared, c.text)
	}
}

// The real X clipboard (Xvfb + xclip): read what xclip holds, clear it.
func TestSystemClipboard(t *testing.T) {
	t.Setenv("DISPLAY", testenv.Display(t))
	put := exec.Command("xclip", "-selection", "clipboard", "-in")
	put.Stdin = strings.NewReader("zak_0123456789abcdef0123456789abcdef")
	if err := put.Run(); err != nil {
		t.Fatal(err)
	}
	// xclip forks to serve the selection and may take it a moment after it
	// returns: wait for the owner as a user's next command would find it.
	var got string
	var err error
	for i := 0; i < 40; i++ {
		if got, err = (System{}).Read(); err == nil && got != "" {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if err != nil || got != "zak_0123456789abcdef0123456789abcdef" {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if cleared, err := ClearIf(System{}, got); !cleared || err != nil {
		t.Fatalf("clear: %v %v", cleared, err)
	}
	if now, _ := (System{}).Read(); now != "" {
		t.Fatalf("clipboard still holds %d bytes", len(now))
	}
}
