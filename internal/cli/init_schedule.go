package cli

import "errors"

// InitLaunchdCmd prints a LaunchAgent plist for the daily job.
type InitLaunchdCmd struct{}

func (c *InitLaunchdCmd) Run(e *Env) error { return errors.New("zotkey init launchd: not built yet") }

// InitSystemdCmd prints a systemd user service and timer for the daily job.
type InitSystemdCmd struct{}

func (c *InitSystemdCmd) Run(e *Env) error { return errors.New("zotkey init systemd: not built yet") }
