// Package retryafter reads a response's Retry-After header in the forms
// Apple's APIs send: delta seconds or an HTTP date (RFC 9110 section
// 10.2.3), and UNIX time in milliseconds (the App Store Server API). The
// Transport's waits on a 429, the root's APIError and the token exchange's
// errors read it alike.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse reads a Retry-After value: delta seconds or an HTTP date
// (RFC 9110 10.2.3), or UNIX time in milliseconds, the form the App Store
// Server API uses. A moment already past means no wait.
func Parse(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		switch {
		case n < 0:
			return 0, false
		case n >= epochMillisFloor:
			return max(time.UnixMilli(n).Sub(now), 0), true
		default:
			return time.Duration(min(n, maxDeltaSeconds)) * time.Second, true
		}
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

const (
	// epochMillisFloor tells UNIX milliseconds from delta seconds: 10^12 ms
	// is September 2001, and 10^12 s is over 30,000 years.
	epochMillisFloor = 1_000_000_000_000
	// maxDeltaSeconds keeps a huge delta from overflowing a Duration; any
	// wait this long is past every MaxRetryWait anyway.
	maxDeltaSeconds = 1 << 32
)
