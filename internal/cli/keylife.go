package cli

import (
	"github.com/eblume/zotkey/internal/driver"
)

// target is the registry and user g names, for the driver's hints.
func (g *Globals) target() driver.Target {
	return driver.Target{Registry: g.Registry, User: g.User, Timeout: g.Timeout}
}
