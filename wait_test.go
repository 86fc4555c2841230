package ascjwt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// scripted is a Base that answers from a list, records what it was sent,
// and lets the test set each answer's X-Rate-Limit.
type scripted struct {
	mu      sync.Mutex
	answers []func(*http.Request) *http.Response
	bodies  []string
	rate    string // X-Rate-Limit on every answer, when set
}

func (s *scripted) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	s.bodies = append(s.bodies, string(body))
	answer := func(r *http.Request) *http.Response { return status(r, 200, nil) }
	if len(s.answers) > 0 {
		answer, s.answers = s.answers[0], s.answers[1:]
	}
	resp := answer(r)
	if s.rate != "" {
		resp.Header.Set("X-Rate-Limit", s.rate)
	}
	return resp, nil
}

func status(r *http.Request, code int, h http.Header) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	body := `{"errors":[{"status":"` + strconv.Itoa(code) + `","code":"RATE_LIMIT_EXCEEDED"}]}`
	return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}
}

func tooMany(retryAfter string) func(*http.Request) *http.Response {
	return func(r *http.Request) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return status(r, 429, h)
	}
}

// waitRig is a Transport on a fake clock whose waits are recorded and move
// the clock instead of sleeping.
type waitRig struct {
	tr    *Transport
	base  *scripted
	clock *fakeclock.Clock
	mu    sync.Mutex
	waits []time.Duration
}

func newWaitRig(t *testing.T) *waitRig {
	t.Helper()
	f := newFixture(t)
	r := &waitRig{base: &scripted{}, clock: f.clock}
	r.tr = &Transport{Source: f.src, Base: r.base, now: f.clock.Now,
		wait: func(ctx context.Context, d time.Duration) error {
			r.mu.Lock()
			r.waits = append(r.waits, d)
			r.mu.Unlock()
			r.clock.Advance(d)
			return ctx.Err()
		},
		randN: func(n time.Duration) time.Duration { return n - 1 }, // the ceiling: the worst case
	}
	return r
}

func (r *waitRig) post(t *testing.T, ctx context.Context, body string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "POST", AppStoreConnectURL+"/v1/apps", bytes.NewReader([]byte(body)))
	return r.tr.RoundTrip(req)
}

func (r *waitRig) recorded() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

func TestRetryAfter429InEachForm(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{"delta seconds", func(time.Time) string { return "2" }, 2 * time.Second},
		{"HTTP date", func(now time.Time) string { return now.Add(3 * time.Second).UTC().Format(http.TimeFormat) }, 3 * time.Second},
		{"UNIX milliseconds (App Store Server API)", func(now time.Time) string {
			return strconv.FormatInt(now.Add(4500*time.Millisecond).UnixMilli(), 10)
		}, 4500 * time.Millisecond},
		{"a moment already past", func(now time.Time) string { return now.Add(-time.Hour).UTC().Format(http.TimeFormat) }, 0},
		{"no Retry-After: backoff from 1s", func(time.Time) string { return "" }, time.Second},
		{"unreadable Retry-After: backoff", func(time.Time) string { return "soon" }, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newWaitRig(t)
			r.base.answers = append(r.base.answers, tooMany(tc.retryAfter(r.clock.Now())))
			resp, err := r.post(t, context.Background(), `{"data":{"type":"apps"}}`)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("RoundTrip = %v, %v; want the retry's 200", resp, err)
			}
			if got := r.recorded(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("waited %v, want [%v]", got, tc.want)
			}
			if b := r.base.bodies; len(b) != 2 || b[0] != b[1] || b[1] != `{"data":{"type":"apps"}}` {
				t.Errorf("bodies sent %q, want the same body twice", b)
			}
		})
	}
}

func TestBackoffDoublesWithinMaxRetryWait(t *testing.T) {
	r := newWaitRig(t)
	r.tr.MaxRetryWait = 10 * time.Second
	for range 5 {
		r.base.answers = append(r.base.answers, tooMany(""))
	}
	resp, err := r.post(t, context.Background(), "{}")
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("RoundTrip = %v, %v; want the 429 back once the next wait would pass MaxRetryWait", resp, err)
	}
	// 1s + 2s + 4s = 7s; 8s more would make 15s > 10s, so it is not started.
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	if got := r.recorded(); !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if n := len(r.base.bodies); n != 4 {
		t.Errorf("%d sends, want 4", n)
	}
}

func TestNo429RetryWhenItCannotHelp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(r *waitRig)
		ctx    func() (context.Context, context.CancelFunc)
		body   func() io.Reader
		answer string // Retry-After
	}{
		{name: "wait past MaxRetryWait (1 minute)", answer: "120"},
		{name: "MaxRetryWait negative", answer: "1", setup: func(r *waitRig) { r.tr.MaxRetryWait = -1 }},
		{name: "wait past the context's deadline", answer: "20", ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Second)
		}},
		{name: "a body that cannot be replayed", answer: "1", body: func() io.Reader { return io.MultiReader(strings.NewReader("{}")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newWaitRig(t)
			if tc.setup != nil {
				tc.setup(r)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			var body io.Reader = strings.NewReader("{}")
			if tc.body != nil {
				body = tc.body()
			}
			r.base.answers = append(r.base.answers, tooMany(tc.answer))
			req, _ := http.NewRequestWithContext(ctx, "POST", AppStoreConnectURL+"/v1/apps", body)
			resp, err := r.tr.RoundTrip(req)
			if err != nil || resp.StatusCode != 429 {
				t.Fatalf("RoundTrip = %v, %v; want the 429 at once", resp, err)
			}
			if w := r.recorded(); len(w) != 0 || len(r.base.bodies) != 1 {
				t.Errorf("waited %v over %d sends; want no wait, one send", w, len(r.base.bodies))
			}
		})
	}
}

// TestCancelEndsA429WaitAtOnce: the real wait, a 30-second Retry-After,
// ended by cancelling the request's context.
func TestCancelEndsA429WaitAtOnce(t *testing.T) {
	f := newFixture(t)
	base := &scripted{answers: []func(*http.Request) *http.Response{tooMany("30")}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := &Transport{Source: f.src, Base: base, Hooks: &Hooks{RateLimitWait: func(RateLimitWait) { cancel() }}}
	body := &closeCounter{Reader: strings.NewReader("{}")}
	req, _ := http.NewRequestWithContext(ctx, "POST", AppStoreConnectURL+"/v1/apps", body)
	req.GetBody = func() (io.ReadCloser, error) { return body, nil }
	start := time.Now()
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "after a 429") {
		t.Fatalf("err = %v, want context.Canceled from the 429 wait", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the wait went on %v after its context ended", d)
	}
}

// TestPacingEngagesAndReleases: when the budget is low, requests are spaced
// at one per hour/Limit; once an answer reports room, they go at once.
func TestPacingEngagesAndReleases(t *testing.T) {
	r := newWaitRig(t)
	send := func() {
		t.Helper()
		req, _ := http.NewRequest("GET", AppStoreConnectURL+"/v1/apps", nil)
		if _, err := r.tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	r.base.rate = "user-hour-lim:3600;user-hour-rem:3000;"
	send()
	send()
	if w := r.recorded(); len(w) != 0 {
		t.Fatalf("plentiful budget: waited %v", w)
	}
	r.base.rate = "user-hour-lim:3600;user-hour-rem:36;" // max(10, 3600/100) left: low
	send()                                               // learns it
	for range 3 {
		send()
	}
	// One a second (3600 an hour): the first paced request goes at once,
	// each next one a second after the one before.
	if w := r.recorded(); !equalDurations(w, []time.Duration{time.Second, time.Second}) {
		t.Fatalf("low budget: waits %v, want [1s 1s]", w)
	}
	r.base.rate = "user-hour-lim:3600;user-hour-rem:37;"
	send() // paced one last time, then learns there is room
	before := len(r.recorded())
	send()
	send()
	if w := r.recorded(); len(w) != before {
		t.Errorf("room again: waited %v more", w[before:])
	}
	r.tr.DisablePacing = true
	r.base.rate = "user-hour-lim:3600;user-hour-rem:1;"
	send()
	send()
	send()
	if w := r.recorded(); len(w) != before {
		t.Errorf("DisablePacing: waited %v", w[before:])
	}
	if rl, ok := r.tr.RateLimit(); !ok || rl != (RateLimit{Limit: 3600, Remaining: 1}) {
		t.Errorf("RateLimit() = %+v, %v", rl, ok)
	}
}

// TestPacingIsOneAtomicLoadWhenPlentiful: with budget to spare, requests
// never enter the pacing machinery (no slot is taken, no clock is read for
// it, nothing waits): the last rate limit is all a request looks at, and
// it paces exactly when the budget is low.
func TestPacingIsOneAtomicLoadWhenPlentiful(t *testing.T) {
	r := newWaitRig(t)
	r.base.rate = "user-hour-lim:3600;user-hour-rem:3000;"
	r.tr.now = func() time.Time { t.Error("the pacing clock was read with budget to spare"); return epoch }
	for range 100 {
		req, _ := http.NewRequest("GET", AppStoreConnectURL+"/v1/apps", nil)
		if _, err := r.tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	if slot, w := r.tr.pacer.next, r.recorded(); !slot.IsZero() || len(w) != 0 {
		t.Errorf("pacing slot %v, waits %v with budget to spare; want neither", slot, w)
	}
	for _, tc := range []struct {
		rl  RateLimit
		low bool
	}{{RateLimit{Limit: 3600, Remaining: 3000}, false}, {RateLimit{Limit: 3600, Remaining: 37}, false}, {RateLimit{Limit: 3600, Remaining: 36}, true}, {RateLimit{Limit: 500, Remaining: 10}, true}, {RateLimit{Limit: 500, Remaining: 11}, false}, {RateLimit{Limit: 0, Remaining: 0}, false}} {
		if got := paces(tc.rl); got != tc.low {
			t.Errorf("%+v paces %v, want %v", tc.rl, got, tc.low)
		}
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
