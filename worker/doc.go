// Package worker pulls the feeds of docs/feeds.md into the store: a feed client
// (go-resty v2) with per-attempt deadlines, retries and Retry-After; a syncer
// that validates each record, quarantines what fails, writes the rest
// idempotently and advances a per-feed checkpoint only after a page's writes are
// acknowledged; and a scheduler (robfig/cron v3, Asia/Jakarta time) that runs the
// syncer on a schedule without overlapping runs.
package worker
