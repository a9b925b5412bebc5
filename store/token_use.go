package store

import "time"

// TokenUse is what an IdP connection's requests have been since the last
// record: added to the token's row by sqlstore's RecordTokenUse, read back
// by its TokenHealth.
type TokenUse struct {
	// LastAt is the time of the newest request.
	LastAt time.Time
	// LastErrorAt and LastErrorStatus are the newest failed request (a
	// status of 400 or more other than 404 and 412, which IdPs cause on
	// purpose); zero when none failed.
	LastErrorAt     time.Time
	LastErrorStatus int
	// Requests and Errors are counts to add.
	Requests, Errors int64
}

// TokenHealth is an IdP connection's recorded use.
type TokenHealth struct {
	LastUsedAt      *time.Time
	LastErrorAt     *time.Time
	LastErrorStatus int
	Requests        int64
	Errors          int64
}
