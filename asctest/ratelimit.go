package asctest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Rate limits, as Apple describes them in "Identifying Rate Limits" (App
// Store Connect API): an hourly budget per key, counted over a rolling hour
// and reported in X-Rate-Limit; past it, 429 RATE_LIMIT_EXCEEDED. The App
// Store Server API answers its 429 with {"errorCode":4290000,...} and a
// Retry-After in UNIX milliseconds ("RateLimitExceededError").

// api tells apart the two APIs whose requests the server counts apart: their
// budgets are separate, and they answer a 429 and a 401 differently.
type api int

const (
	appStoreConnect api = iota
	appStoreServer      // /inApps/...
	apiCount
)

// apiFor returns the API a request path belongs to.
func apiFor(path string) api {
	if len(path) >= len(storeServerPrefix) && path[:len(storeServerPrefix)] == storeServerPrefix {
		return appStoreServer
	}
	return appStoreConnect
}

// storeServerPrefix starts every App Store Server API path.
const storeServerPrefix = "/inApps/"

// limits are one key's windows for one API: the rolling hour and, with a
// burst limit set, the rolling second.
type limits struct {
	hour, second window
}

// window holds the moments (on the server's clock, in Unix nanoseconds) of
// the requests accepted within its span, oldest first. Nothing is added past
// the limit, so it never holds more than the largest limit set: memory stays
// bounded however many requests arrive.
type window struct {
	times []int64 // times[head:] are live
	head  int
}

func (w *window) count() int { return len(w.times) - w.head }

// trim drops the moments that have left the span ending at now. A newest
// moment after now means the clock was moved back (SetClock): the window
// starts over, as a fresh server would.
func (w *window) trim(now int64, span time.Duration) {
	if n := w.count(); n > 0 && w.times[len(w.times)-1] > now {
		w.times, w.head = w.times[:0], 0
		return
	}
	for w.head < len(w.times) && w.times[w.head] <= now-int64(span) {
		w.head++
	}
	if w.head == len(w.times) {
		w.times, w.head = w.times[:0], 0
	}
}

// add records a request at now. The live part is moved to the front once
// the dead part is the larger, so the slice stays within twice the limit.
func (w *window) add(now int64) {
	if w.head > 0 && w.head >= w.count() {
		n := copy(w.times, w.times[w.head:])
		w.times, w.head = w.times[:n], 0
	}
	w.times = append(w.times, now)
}

// oldest is the first live moment; call only when count() > 0.
func (w *window) oldest() int64 { return w.times[w.head] }

// verdict is what spend decided for one request.
type verdict struct {
	ok        bool
	burst     bool      // refused by the per-second limit
	limit     int       // the hourly limit, for X-Rate-Limit
	remaining int       // requests left this hour
	retryAt   time.Time // when a refused request may pass; zero when accepted
}

// spend counts one request of the key keyID to API a, at now, against the
// rolling hour and the burst limit. Call with s.mu held, and read now while
// holding it, so that the moments a window records are in order.
func (s *Server) spend(keyID string, a api, now time.Time) verdict {
	ns := now.UnixNano()
	byAPI := s.limits[keyID]
	if byAPI == nil {
		byAPI = new([apiCount]limits)
		s.limits[keyID] = byAPI
	}
	l := &byAPI[a]
	l.hour.trim(ns, time.Hour)
	v := verdict{limit: s.limit}
	if l.hour.count() >= s.limit {
		if l.hour.count() > 0 {
			v.retryAt = time.Unix(0, l.hour.oldest()).Add(time.Hour)
		} else {
			v.retryAt = now.Add(time.Hour) // a limit of zero or less: nothing ever passes
		}
		return v
	}
	v.remaining = s.limit - l.hour.count()
	if s.burst > 0 {
		l.second.trim(ns, time.Second)
		if l.second.count() >= s.burst {
			v.burst = true
			v.retryAt = time.Unix(0, l.second.oldest()).Add(time.Second)
			return v
		}
		l.second.add(ns)
	}
	l.hour.add(ns)
	v.ok, v.remaining = true, v.remaining-1
	return v
}

// SetBurstLimit sets a per-second request limit per key on top of the
// hourly one; zero or less turns it off (the default). Past it, requests get
// a 429 with a Retry-After: whole seconds for the App Store Connect API,
// UNIX milliseconds for the App Store Server API. Refused requests do not
// count against either limit. Use it to test that a client waits out a 429.
func (s *Server) SetBurstLimit(perSecond int) {
	s.mu.Lock()
	s.burst = perSecond
	s.mu.Unlock()
}

// writeRateLimited answers a request that spend refused, in the form of the
// API it was for.
func writeRateLimited(w http.ResponseWriter, a api, v verdict, now time.Time) {
	if a == appStoreServer {
		w.Header().Set("Retry-After", strconv.FormatInt(v.retryAt.UnixMilli(), 10))
		writeJSON(w, http.StatusTooManyRequests, storeServerError{ErrorCode: 4290000, ErrorMessage: "Rate limit exceeded."})
		return
	}
	detail := "We've received too many requests for this API. Please wait and try again or slow down your request rate."
	if v.burst {
		// Whole seconds, rounded up: a client that waits this long finds
		// the second's window passed.
		wait := v.retryAt.Sub(now)
		secs := max(int64((wait+time.Second-1)/time.Second), 1)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		detail = fmt.Sprintf("%s (over the burst limit; retry after %d s)", detail, secs)
	}
	writeError(w, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.", detail)
}
