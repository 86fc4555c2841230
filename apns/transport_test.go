package apns_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/apns/apnstest"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// counting counts the tokens a source makes.
func counting(cfg apns.Config, n *atomic.Int32) apns.Config {
	cfg.Hooks = &ascjwt.Hooks{TokenMinted: func(ascjwt.TokenMinted) { n.Add(1) }}
	return cfg
}

// TestExpiredProviderTokenRetriedOnce: APNs' clock says the token is over
// an hour old while ours says 21 minutes: the 403 ExpiredProviderToken is
// retried once, through ascjwt.NewClient, with a new token, which passes.
func TestExpiredProviderTokenRetriedOnce(t *testing.T) {
	var ours *fakeclock.Clock
	var minted atomic.Int32
	srv, _, client := fakeAPNs(t, func(srv *apnstest.Server, cfg *apns.Config) {
		ours = fakeclock.New(srv.Now())
		*cfg = counting(*cfg, &minted)
		cfg.Now = ours.Now // a clock of our own, which will run behind the server's
	})
	if got := send(t, client, srv.URL); got != 200 {
		t.Fatalf("first push: %d", got)
	}
	ours.Advance(21 * time.Minute) // still fresh here: no reason to replace it
	srv.Advance(61 * time.Minute)  // over an hour old there
	if got := send(t, client, srv.URL); got != 200 {
		t.Fatalf("push after APNs' hour: %d, want 200 after one retry (%s)", got, srv.Stats().LastDetail)
	}
	st := srv.Stats()
	if st.Refused[apnstest.ReasonExpiredProviderToken] != 1 || st.Accepted != 2 || st.Tokens != 2 || minted.Load() != 2 {
		t.Errorf("stats %+v, %d tokens made; want one ExpiredProviderToken, then the retry accepted with a second token", st, minted.Load())
	}
}

// TestRevokedTokenRetriedOnce: a token APNs stops taking (403
// InvalidProviderToken) 21 minutes after it was made is replaced and the
// request sent once more.
func TestRevokedTokenRetriedOnce(t *testing.T) {
	var minted atomic.Int32
	srv, _, client := fakeAPNs(t, func(_ *apnstest.Server, cfg *apns.Config) { *cfg = counting(*cfg, &minted) })
	if got := send(t, client, srv.URL); got != 200 {
		t.Fatalf("first push: %d", got)
	}
	srv.Advance(21 * time.Minute)
	srv.RevokeTokens()
	if got := send(t, client, srv.URL); got != 200 {
		t.Fatalf("push after revocation: %d, want 200 after one retry (%s)", got, srv.Stats().LastDetail)
	}
	if st := srv.Stats(); st.Refused[apnstest.ReasonInvalidProviderToken] != 1 || st.Accepted != 2 || minted.Load() != 2 || st.Refused[apnstest.ReasonTooManyProviderTokenUpdates] != 0 {
		t.Errorf("stats %+v, %d tokens made; want one refusal, then the retry accepted", st, minted.Load())
	}
}

// TestRefusalRetriedOnlyOnceAndNeverWithin20Minutes: with a key APNs does
// not take, a refusal within 20 minutes of the token goes back untried (no
// new token may be made); after 20 minutes it is retried once with a new
// token, and the second refusal goes back to the caller.
func TestRefusalRetriedOnlyOnceAndNeverWithin20Minutes(t *testing.T) {
	var minted atomic.Int32
	srv, _, client := fakeAPNs(t, func(_ *apnstest.Server, cfg *apns.Config) {
		*cfg = counting(*cfg, &minted)
		cfg.PrivateKey = apitest.NewKey(t) // the key ID is known, the signature will not verify
	})
	for i := range 3 {
		if got := send(t, client, srv.URL); got != 403 {
			t.Fatalf("push %d: %d, want 403", i, got)
		}
		srv.Advance(time.Minute)
	}
	if st := srv.Stats(); st.Refused[apnstest.ReasonInvalidProviderToken] != 3 || minted.Load() != 1 {
		t.Errorf("within 20 minutes: %d requests refused and %d tokens made; want 3 and 1 (no retry)", st.Refused[apnstest.ReasonInvalidProviderToken], minted.Load())
	}
	srv.Advance(20 * time.Minute)
	if got := send(t, client, srv.URL); got != 403 {
		t.Fatalf("push after 20 minutes: %d, want 403", got)
	}
	if st := srv.Stats(); st.Refused[apnstest.ReasonInvalidProviderToken] != 5 || minted.Load() != 2 {
		t.Errorf("after 20 minutes: %d requests refused and %d tokens made; want 5 (one retry) and 2", st.Refused[apnstest.ReasonInvalidProviderToken], minted.Load())
	}
}

// recorder answers every request itself, noting whether it carried a
// token.
type recorder struct{ auth string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.auth = req.Header.Get("Authorization")
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}

// TestTokensGoOnlyToAPNsAndDeviceCheckHosts: with the Transport's default
// host rule, the token goes to APNs on 443 and 2197, to DeviceCheck on 443
// and to loopback, and to no other host or port.
func TestTokensGoOnlyToAPNsAndDeviceCheckHosts(t *testing.T) {
	src := apitest.Must(t, apns.NewTokenSource, testConfig(t))
	rec := &recorder{}
	client := &http.Client{Transport: &ascjwt.Transport{Source: src, Base: rec}}
	for url, want := range map[string]bool{
		apns.ProductionURL + "/3/device/x":                           true,
		"https://api.push.apple.com:443/3/device/x":                  true,
		"https://api.push.apple.com:2197/3/device/x":                 true,
		apns.SandboxURL + "/3/device/x":                              true,
		"https://API.SANDBOX.PUSH.APPLE.COM:2197/3/device/x":         true,
		apns.DeviceCheckURL + "/v1/query_two_bits":                   true,
		apns.DeviceCheckDevelopmentURL + "/v1/validate_device_token": true,
		"https://127.0.0.1:8443/3/device/x":                          true,
		"http://api.push.apple.com/3/device/x":                       false, // port 80
		"https://api.push.apple.com:8443/3/device/x":                 false,
		"https://api.devicecheck.apple.com:2197/v1/query_two_bits":   false,
		ascjwt.AppStoreConnectURL + "/v1/apps":                       false,
		"https://api.push.apple.com.example.com/3/device/x":          false,
		"https://example.com/3/device/x":                             false,
	} {
		rec.auth = ""
		resp, err := client.Post(url, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := strings.HasPrefix(rec.auth, "Bearer "); got != want {
			t.Errorf("%s: token sent = %v, want %v", url, got, want)
		}
	}
}

// TestAPNs429GoesBackAtOnce: APNs' 429s, TooManyRequests (one device
// token pushed to too often) and TooManyProviderTokenUpdates, are not cured
// by a wait of seconds, and each send again could be one more notification
// on the user's screen: through ascjwt.NewClient the 429 comes back to the
// caller after one send, with no wait, for CheckResponse to read.
func TestAPNs429GoesBackAtOnce(t *testing.T) {
	for _, reason := range []string{apns.ReasonTooManyRequests, apns.ReasonTooManyProviderTokenUpdates} {
		t.Run(reason, func(t *testing.T) {
			srv, src, _ := fakeAPNs(t, nil)
			var waits atomic.Int32
			client := &http.Client{Transport: &ascjwt.Transport{Source: src, Base: srv.Client().Transport,
				Hooks: &ascjwt.Hooks{RateLimitWait: func(ascjwt.RateLimitWait) { waits.Add(1) }}}}
			srv.Fail(http.StatusTooManyRequests, reason)
			// A failure guard, not synchronization: a Transport that waits
			// out 429s sends again within it.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resp := push(ctx, t, client, srv.URL, device)
			defer resp.Body.Close()
			var e *apns.Error
			if !errors.As(apns.CheckResponse(resp), &e) || e.StatusCode != 429 || e.Reason != reason {
				t.Errorf("CheckResponse = %v, want 429 %s", e, reason)
			}
			if n := srv.Stats().Refused[reason]; n != 1 || waits.Load() != 0 {
				t.Errorf("the push was sent %d times with %d waits; want once, no wait", n, waits.Load())
			}
		})
	}
}

// TestSourceNeverRetries429: the source's retry policy (ascjwt.RetryPolicy)
// says no to every 429.
func TestSourceNeverRetries429(t *testing.T) {
	src := apitest.Must(t, apns.NewTokenSource, testConfig(t))
	policy, ok := src.(interface{ Retry429(*http.Response) bool })
	if !ok {
		t.Fatal("the source has no Retry429")
	}
	for _, body := range []string{`{"reason":"TooManyRequests"}`, `{"reason":"TooManyProviderTokenUpdates"}`, ``} {
		resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"1"}}, Body: io.NopCloser(strings.NewReader(body))}
		if policy.Retry429(resp) {
			t.Errorf("Retry429 = true for a 429 with %q", body)
		}
	}
}

// TestStalled403DoesNotHoldThePush: over HTTP/2, a 403 that declares a
// 33-byte body, sends 10 bytes and stalls comes back to the caller without
// waiting on the server: at once when the token is too young to replace
// (within 20 minutes), and after one retry with a new token when it is not,
// the stalled body closed unread.
func TestStalled403DoesNotHoldThePush(t *testing.T) {
	for _, age := range []time.Duration{time.Minute, 21 * time.Minute} {
		t.Run(age.String(), func(t *testing.T) {
			release := make(chan struct{})
			var sends atomic.Int32
			stall := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sends.Add(1)
				w.Header().Set("Content-Length", "33")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, `{"reason":`)
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}))
			stall.EnableHTTP2 = true
			stall.StartTLS()
			defer stall.Close()
			defer close(release)
			clock := fakeclock.New(time.Now())
			cfg := testConfig(t)
			cfg.Now = clock.Now
			src := apitest.Must(t, apns.NewTokenSource, cfg)
			if _, err := src.Token(context.Background()); err != nil {
				t.Fatal(err)
			}
			clock.Advance(age)
			client := ascjwt.NewClient(stall.Client(), src)
			type result struct {
				resp *http.Response
				err  error
			}
			done := make(chan result, 1)
			go func() {
				req, _ := http.NewRequest("POST", stall.URL+"/3/device/"+device, strings.NewReader(`{}`))
				resp, err := client.Do(req)
				done <- result{resp, err}
			}()
			select {
			case r := <-done:
				if r.err != nil {
					t.Fatal(r.err)
				}
				if r.resp.StatusCode != 403 {
					t.Errorf("status %d, want the 403", r.resp.StatusCode)
				}
				r.resp.Body.Close()
			case <-time.After(10 * time.Second): // a failure guard, not synchronization
				t.Fatal("the push waited on a stalled 403 body")
			}
			want := int32(1)
			if age > apns.MinTokenInterval {
				want = 2
			}
			if n := sends.Load(); n != want {
				t.Errorf("%d sends, want %d", n, want)
			}
		})
	}
}
