package ascjwt

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// send makes one GET through the rig with ctx and fails the test on error.
func (r *waitRig) send(t *testing.T, ctx context.Context) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", AppStoreConnectURL+"/v1/apps", nil)
	resp, err := r.tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestPacingWaitStaysWithinMaxRetryWait: with a budget of 5 an hour a slot
// is 12 minutes apart; a request does not wait longer than MaxRetryWait
// allows for its slot, but goes at once, and a negative MaxRetryWait means
// no pacing wait at all.
func TestPacingWaitStaysWithinMaxRetryWait(t *testing.T) {
	for _, tc := range []struct {
		name         string
		maxRetryWait time.Duration
		want         []time.Duration
	}{
		{"default, one minute", 0, nil},
		{"half an hour", 30 * time.Minute, []time.Duration{12 * time.Minute, 12 * time.Minute}},
		{"negative", -1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newWaitRig(t)
			r.tr.MaxRetryWait = tc.maxRetryWait
			r.base.rate = "user-hour-lim:5;user-hour-rem:1;"
			for range 4 { // the first learns the budget, the second takes the free slot
				r.send(t, context.Background())
			}
			if got := r.recorded(); !equalDurations(got, tc.want) {
				t.Errorf("pacing waits %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPacingSkipperTakesNoSlot: a request whose deadline is shorter than
// its wait goes at once, and the patient request after it waits for the
// next slot, not for the one after that.
func TestPacingSkipperTakesNoSlot(t *testing.T) {
	r := newWaitRig(t)
	r.base.rate = "user-hour-lim:120;user-hour-rem:5;" // a slot every 30s
	r.send(t, context.Background())                    // learns the budget
	r.send(t, context.Background())                    // takes the free slot
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.send(t, ctx) // would wait 30s: goes at once instead
	if got := r.recorded(); len(got) != 0 {
		t.Fatalf("the impatient request waited %v", got)
	}
	r.send(t, context.Background())
	if got := r.recorded(); !equalDurations(got, []time.Duration{30 * time.Second}) {
		t.Errorf("the patient request waited %v, want [30s]: the next slot", got)
	}
}

// TestPacingGivesBackTheSlotOfARequestThatGivesUp: a request whose context
// ends while it waits for its slot frees the slot for the next request.
func TestPacingGivesBackTheSlotOfARequestThatGivesUp(t *testing.T) {
	r := newWaitRig(t)
	r.base.rate = "user-hour-lim:120;user-hour-rem:5;" // a slot every 30s
	r.send(t, context.Background())
	r.send(t, context.Background())
	wait := r.tr.wait
	r.tr.wait = func(context.Context, time.Duration) error { return context.Canceled }
	req, _ := http.NewRequest("GET", AppStoreConnectURL+"/v1/apps", nil)
	if _, err := r.tr.RoundTrip(req); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "pace") {
		t.Fatalf("RoundTrip = %v, want the pacing wait's end", err)
	}
	r.tr.wait = wait
	r.send(t, context.Background())
	if got := r.recorded(); !equalDurations(got, []time.Duration{30 * time.Second}) {
		t.Errorf("the next request waited %v, want [30s]: the slot given back", got)
	}
}

// TestPacingEndsWhenTheBudgetRises: a request waiting for its slot goes at
// once when an answer reports room in the budget again, and the requests
// after it are not paced.
func TestPacingEndsWhenTheBudgetRises(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		var mu sync.Mutex
		rate := "user-hour-lim:120;user-hour-rem:5;" // a slot every 30s
		hold := make(chan struct{})
		held := false
		base := roundTripper(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			hold1 := r.Header.Get("Hold") != "" && !held
			if hold1 {
				held = true
			}
			mu.Unlock()
			if hold1 {
				<-hold // the answer that reports room comes while another request waits
			}
			mu.Lock()
			defer mu.Unlock()
			resp := status(r, 200, nil)
			resp.Header.Set("X-Rate-Limit", rate)
			return resp, nil
		})
		tr := &Transport{Source: f.src, Base: base}
		get := func(hold bool) {
			req, _ := http.NewRequest("GET", AppStoreConnectURL+"/v1/apps", nil)
			if hold {
				req.Header.Set("Hold", "1")
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		}
		start := time.Now()
		get(false) // learns the budget
		var wg sync.WaitGroup
		wg.Go(func() { get(true) }) // takes the free slot; its answer is held
		synctest.Wait()
		waiter := make(chan struct{})
		go func() { get(false); close(waiter) }() // waits 30s for its slot
		synctest.Wait()
		mu.Lock()
		rate = "user-hour-lim:120;user-hour-rem:100;"
		mu.Unlock()
		close(hold)
		wg.Wait()
		<-waiter
		if d := time.Since(start); d != 0 {
			t.Errorf("the waiting request went %v after the answer that reported room, want at once", d)
		}
		get(false)
		if d := time.Since(start); d != 0 {
			t.Errorf("a request after the budget rose waited %v", d)
		}
	})
}

// roundTripper is a RoundTripper made of a function.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
