package redact

import (
	"testing"
	"time"
	"regexp/syntax"
)

func TestZZSize(t *testing.T) {
	s := time.Now()
	re := pattern([]string{"zak_0123456789abcdef0123456789abcdef"})
	t.Log(time.Since(s), len(re.String()))
	p, _ := syntax.Parse(re.String(), syntax.Perl)
	prog, _ := syntax.Compile(p.Simplify())
	t.Log(len(prog.Inst))
}
