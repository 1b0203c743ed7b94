package worker

import "time"

// SetResumeTick makes RosterImporter.Run pass again when tick sends.
func SetResumeTick(ri *RosterImporter, tick <-chan time.Time) {
	ri.tick = func() <-chan time.Time { return tick }
}
