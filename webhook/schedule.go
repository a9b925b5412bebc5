package webhook

import "time"

// DefaultSchedule is the wait before each retry of a delivery (Standard
// Webhooks' suggestion): 5 seconds, 5 minutes, 30 minutes, 2, 5, 10 and 10
// hours — about a day in all, after which the delivery is given up.
var DefaultSchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// DefaultDisableAfter is how long an endpoint may fail before it is
// disabled and its admins told.
const DefaultDisableAfter = 24 * time.Hour

// NextAttempt says when to try a delivery again after its n-th failed
// attempt (n from 1): after failed+schedule[n-1], or never (ok false)
// once the schedule is spent.
func NextAttempt(schedule []time.Duration, n int, failed time.Time) (time.Time, bool) {
	if n < 1 || n > len(schedule) {
		return time.Time{}, false
	}
	return failed.Add(schedule[n-1]), true
}
