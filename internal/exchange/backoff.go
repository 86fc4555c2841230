package exchange

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// The schedule of a failing exchange. The first retry of a permanent
// failure comes at once, since each exchange signs a fresh credential (a
// key rotated a moment ago, a clock just corrected); a temporary one is
// retried at once a few times, since a passing fault is usually gone by the
// next call. Past that, the wait doubles from a base up to a bound, on the
// source's clock, and callers meanwhile get the last failure at once. A 429
// waits from the first, at least as long as its Retry-After asked.
const (
	permanentFree, permanentBase, permanentMax = 1, 30 * time.Second, 10 * time.Minute
	temporaryFree, temporaryBase, temporaryMax = 3, time.Second, time.Minute
	quotaBase, quotaMax                        = time.Minute, 10 * time.Minute
)

// backoff holds the failures of the exchanges since the last success.
type backoff struct {
	mu       sync.Mutex
	failures int       // consecutive failures
	until    time.Time // no exchange before this, on the source's clock
	last     error     // the last failure, for callers meanwhile
}

// errBackingOff marks the error a caller gets while exchanges wait: no
// exchange was made, so no hook hears of it.
var errBackingOff = errors.New("exchange: backing off")

// waiting is the error handed out while no exchange may be made.
type waiting struct {
	last  error
	until time.Time
	left  time.Duration
}

func (w *waiting) Error() string {
	return fmt.Sprintf("%v (the next exchange is tried in %s)", w.last, w.left.Round(time.Second))
}

func (w *waiting) Unwrap() []error { return []error{w.last, errBackingOff} }

// check returns the error to hand out at now instead of exchanging, or nil
// when an exchange may be made.
func (b *backoff) check(now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last == nil || !now.Before(b.until) {
		return nil
	}
	return &waiting{last: b.last, until: b.until, left: b.until.Sub(now)}
}

// failed records a failed exchange at now.
func (b *backoff) failed(now time.Time, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	b.last = err
	b.until = now.Add(delay(b.failures, err))
}

// succeeded forgets the failures.
func (b *backoff) succeeded() {
	b.mu.Lock()
	b.failures, b.last, b.until = 0, nil, time.Time{}
	b.mu.Unlock()
}

// delay is the wait after the n-th failure in a row, err.
func delay(n int, err error) time.Duration {
	var e *Error
	switch {
	case errors.As(err, &e) && e.StatusCode == http.StatusTooManyRequests:
		return max(min(e.RetryAfter, quotaMax), doubled(n, 0, quotaBase, quotaMax))
	case errors.As(err, &e) && !e.Temporary():
		return doubled(n, permanentFree, permanentBase, permanentMax)
	case errors.As(err, &e) && e.RetryAfter > 0:
		return max(min(e.RetryAfter, temporaryMax), doubled(n, temporaryFree, temporaryBase, temporaryMax))
	}
	return doubled(n, temporaryFree, temporaryBase, temporaryMax)
}

// doubled is no wait for the first free failures, then base doubling up to
// most.
func doubled(n, free int, base, most time.Duration) time.Duration {
	if n <= free {
		return 0
	}
	d := base
	for i := free + 1; i < n && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}
