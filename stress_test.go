package ascjwt_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestStress runs 64 goroutines through one client against the fake API,
// in phases between which the shared clock jumps far enough to make the
// token stale, with the server revoking every token it has seen in the
// middle of one phase (one the clock did not jump into). Every request must succeed, and every signature must
// be a token the server accepted: one signature per refresh, none wasted.
func TestStress(t *testing.T) {
	const (
		workers   = 64
		perPhase  = 6 // requests per worker per phase
		phases    = 6
		revokeAt  = 3 // phase in which the revocation comes
		clockStep = 15 * time.Minute
	)
	if testing.Short() {
		t.Skip("stress test")
	}
	srv := asctest.NewUnstartedServer()
	srv.Start() // plain HTTP: TLS would only slow the test down
	defer srv.Close()
	client, signer, _ := newCountingClient(t, srv)

	var failures, sent atomic.Int64
	for phase := range phases {
		if phase > 0 && phase != revokeAt {
			// A quarter of the lifetime is left: callers keep the token
			// while one background refresh replaces it. Not in the phase of
			// the revocation: a request still holding the token a refresh
			// replaced, refused, would be retried with its successor, which
			// the revocation refuses too, and a second 401 goes back to the
			// caller by design (TestSecond401GoesBackToCaller).
			srv.Advance(clockStep)
		}
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range perPhase {
					// Halfway through its phase, one request revokes every
					// token the server has seen, while the others are in flight.
					if n := sent.Add(1); n == revokeAt*workers*perPhase+workers*perPhase/2 {
						srv.RevokeTokens(srv.Key().ID)
					}
					if code := apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps"); code != 200 {
						failures.Add(1)
					}
				}
			})
		}
		wg.Wait()
	}
	// Flush: a refresh started by the last requests may still be signing.
	// Jump to where the current token may no longer be handed out but one
	// signed just now is still good on the server: the next caller joins
	// that refresh, or starts one, and sends its token, so every signature
	// ends up in front of the server.
	srv.Advance(18*time.Minute + 30*time.Second)
	if code := apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps"); code != 200 {
		failures.Add(1)
	}

	st := srv.Stats()
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed; last rejection: %s", n, sent.Load()+1, st.LastRejection)
	}
	sigs := signer.N.Load()
	if sigs != int64(st.Tokens) {
		t.Errorf("%d signatures for %d distinct tokens the server accepted: a refresh signed twice", sigs, st.Tokens)
	}
	// Every request succeeded, so a request refused for the revocation was
	// retried with a token signed after it.
	if st.Rejected == 0 {
		t.Error("the revocation refused no request: the test did not exercise the retry")
	}
	if min := int64(1 + (phases - 2) + 1); sigs < min {
		t.Errorf("%d signatures: want at least %d, the first token, one per clock step and one for the revocation", sigs, min)
	}
	t.Logf("%d requests, %d signatures, %d refused and retried", sent.Load()+1, sigs, st.Rejected)
}
