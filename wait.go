package ascjwt

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt/internal/retryafter"
)

// Waiting on a 429 ("Identifying Rate Limits" in the App Store Connect API
// documentation: past the hourly limit Apple answers 429 RATE_LIMIT_EXCEEDED).
const (
	// defaultMaxRetryWait is the total a request may wait on 429s when
	// Transport.MaxRetryWait is zero.
	defaultMaxRetryWait = time.Minute
	// firstBackoff is the first wait after a 429 without Retry-After; each
	// next one doubles, with full jitter.
	firstBackoff = time.Second
	// maxBackoff caps one backoff wait.
	maxBackoff = time.Minute
	// max429s bounds the retries of one request, so that a server that asks
	// for no wait at all cannot make a request loop.
	max429s = 8
)

// A RetryPolicy is a [TokenSource] whose API says which 429 responses may
// be waited out. The Transport waits out a 429 (within MaxRetryWait) and
// sends the request again only when Retry429 says so; for a source that is
// not a RetryPolicy, every 429 to a request that can be sent again may be.
// The APNs source says no: its 429s (too many pushes to one device, too
// many token updates) are not cured by a short wait, and each new send is
// a repeated notification. The Transport finds it through wrappers that
// implement Unwrap (see [TokenSource]).
type RetryPolicy interface {
	TokenSource
	// Retry429 reports whether resp, a 429, may be waited out and its
	// request sent again. It may read resp.Body, and must then leave it
	// readable from the start.
	Retry429(resp *http.Response) bool
}

// await429 decides whether req, refused with the attempt-th 429 after
// waited, is sent again, and waits if so. It returns the time waited and
// the body to send again; a negative wait means resp goes back to the
// caller, and an error that the wait was cut short.
func (t *Transport) await429(req *http.Request, resp *http.Response, attempt int, waited time.Duration) (time.Duration, io.ReadCloser, error) {
	if t.MaxRetryWait < 0 || attempt > max429s || !replayable(req) {
		return -1, nil, nil
	}
	if p, ok := find[RetryPolicy](t.Source); ok && !p.Retry429(resp) {
		return -1, nil, nil // the API says a wait does not cure this 429
	}
	wait, reason := t.retryWait(resp.Header, attempt)
	if waited+wait > t.maxRetryWait() || pastDeadline(req.Context(), wait) {
		return -1, nil, nil // the caller hears now what waiting would not change
	}
	body, err := rewind(req)
	if err != nil {
		return -1, nil, nil
	}
	if h := t.Hooks; h != nil && h.RateLimitWait != nil {
		h.RateLimitWait(RateLimitWait{Request: req, Wait: wait, Reason: reason, Attempt: attempt})
	}
	discard(resp)
	if err := t.sleep(req.Context(), wait, nil); err != nil {
		closeReader(body)
		return 0, nil, fmt.Errorf("ascjwt: gave up waiting %s to send the request again after a 429: %w", wait, err)
	}
	return wait, body, nil
}

// rewind returns a new copy of req's body for sending it again.
func rewind(req *http.Request) (io.ReadCloser, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, nil
	}
	return req.GetBody()
}

func (t *Transport) maxRetryWait() time.Duration {
	if t.MaxRetryWait == 0 {
		return defaultMaxRetryWait
	}
	return t.MaxRetryWait
}

// waitLeft is what remains of a request's MaxRetryWait after waited; it is
// negative when the request may not wait at all.
func (t *Transport) waitLeft(waited time.Duration) time.Duration {
	if t.MaxRetryWait < 0 {
		return -1
	}
	return t.maxRetryWait() - waited
}

// retryWait is how long to wait after the attempt-th 429 with header h.
func (t *Transport) retryWait(h http.Header, attempt int) (time.Duration, string) {
	if d, ok := retryafter.Parse(h.Get("Retry-After"), t.clock()); ok {
		return d, WaitRetryAfter
	}
	ceiling := min(firstBackoff<<(attempt-1), maxBackoff)
	return t.jitter(ceiling), WaitBackoff
}

// jitter is full jitter: a wait drawn evenly from [0, ceiling], so that
// clients refused together do not come back together.
func (t *Transport) jitter(ceiling time.Duration) time.Duration {
	if t.randN != nil {
		return t.randN(ceiling + 1)
	}
	return rand.N(ceiling + 1)
}

// pastDeadline reports whether waiting d would take a request past its
// context's deadline, which is on the real clock whatever Transport.now is.
func pastDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Now().Add(d).After(deadline)
}

func (t *Transport) clock() time.Time {
	if t.now != nil {
		return t.now()
	}
	return time.Now()
}

// sleep waits for d, until ctx ends, or until stop is closed (nil for
// never).
func (t *Transport) sleep(ctx context.Context, d time.Duration, stop <-chan struct{}) error {
	if t.wait != nil {
		return t.wait(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-stop:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
