package driver

import "errors"

// StopAt makes d call stop at every stop point: an error ends the run there
// (IsStopped), as if the process had been killed.
func StopAt(d *Driver, stop func(point string) error) { d.stopHook = stop }

// IsStopped says whether err ended a run at a stop point.
func IsStopped(err error) bool { return errors.As(err, new(*stopped)) }
