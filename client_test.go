package ascjwt_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// These tests talk to asctest's fake API, which checks every token with
// crypto/ecdsa and Apple's rules, a path separate from the go-jose signing.

func TestClientAgainstFakeAPI(t *testing.T) {
	srv := newFake(t)
	seen := make(chan string, 1)
	srv.Handle("GET /v1/echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Authorization")
	}))
	if code := statusWith(t, srv, srv.Config(), "/v1/echo"); code != 200 {
		t.Fatalf("status %d: %s", code, srv.Stats().LastRejection)
	}
	value, ok := strings.CutPrefix(<-seen, "Bearer ")
	if !ok {
		t.Fatal("no Bearer token reached the handler")
	}
	// And a second, independent check: go-jose's verifier.
	obj, err := jose.ParseSignedCompact(value, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obj.Verify(&srv.Key().PrivateKey.PublicKey); err != nil {
		t.Fatalf("go-jose does not verify the token: %v", err)
	}
}

func TestIndividualAndScopedKeysAgainstFakeAPI(t *testing.T) {
	srv := newFake(t)
	for name, cfg := range map[string]ascjwt.Config{
		"individual": srv.ConfigFor(srv.AddIndividualKey()),
		"scoped": func() ascjwt.Config {
			c := srv.Config()
			c.Scope = []string{"GET /v1/apps?filter[platform]=IOS"}
			return c
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			if code := statusWith(t, srv, cfg, "/v1/apps?limit=2&filter[platform]=IOS"); code != 200 {
				t.Fatalf("status %d: %s", code, srv.Stats().LastRejection)
			}
		})
	}
	// A scoped token outside its scope is refused by the server.
	c := srv.Config()
	c.Scope = []string{"GET /v1/apps?filter[platform]=IOS"}
	if code := statusWith(t, srv, c, "/v1/apps/1000000001"); code != 401 || !strings.Contains(srv.Stats().LastRejection, "scope") {
		t.Fatalf("out of scope: %d, %q", code, srv.Stats().LastRejection)
	}
}

func TestConcurrentRequestsShareOneToken(t *testing.T) {
	srv := newFake(t)
	src := apitest.Must(t, ascjwt.NewTokenSource, srv.Config())
	client := ascjwt.NewClient(srv.Client(), src)
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() { apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps") })
	}
	wg.Wait()
	if st := srv.Stats(); st.Accepted != 200 || st.Tokens != 1 {
		t.Fatalf("stats %+v, want 200 requests on one token", st)
	}
	apitest.MustToken(t, src.Token)
}

// TestClockSkew: a token from a client whose clock is up to a minute off the
// server's, either way, is accepted; backdating iat by a minute is what buys
// that. A minute and a bit fast is past what it buys, and Apple's rule on
// exp refuses it.
func TestClockSkew(t *testing.T) {
	srv := newFake(t)
	serverNow := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return serverNow })
	for _, tc := range []struct {
		skew time.Duration
		want int
	}{
		{-59 * time.Second, 200}, {0, 200}, {59 * time.Second, 200}, {61 * time.Second, 401},
	} {
		cfg := srv.Config()
		cfg.Now = func() time.Time { return serverNow.Add(tc.skew) }
		if code := statusWith(t, srv, cfg, "/v1/apps"); code != tc.want {
			t.Errorf("client clock %v off: %d (%s), want %d", tc.skew, code, srv.Stats().LastRejection, tc.want)
		}
	}
}
