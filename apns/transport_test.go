package apns_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/apns/apnstest"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

const device = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"

// send posts one notification through client and returns the status.
func send(t *testing.T, client *http.Client, url string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "POST", url+"/3/device/"+device, strings.NewReader(`{"aps":{"alert":"hi"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("apns-topic", "com.example.app")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// counting counts the tokens a source makes.
func counting(cfg apns.Config, n *atomic.Int32) apns.Config {
	cfg.Hooks = &ascjwt.Hooks{TokenMinted: func(ascjwt.TokenMinted) { n.Add(1) }}
	return cfg
}

// TestExpiredProviderTokenRetriedOnce: APNs' clock says the token is over
// an hour old while ours says 21 minutes: the 403 ExpiredProviderToken is
// retried once, through ascjwt.NewClient, with a new token, which passes.
func TestExpiredProviderTokenRetriedOnce(t *testing.T) {
	srv := apnstest.NewServer()
	defer srv.Close()
	ours := fakeclock.New(srv.Now())
	var minted atomic.Int32
	cfg := counting(srv.Config(), &minted)
	cfg.Now = ours.Now // a clock of our own, which will run behind the server's
	src, err := apns.NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
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
	srv := apnstest.NewServer()
	defer srv.Close()
	var minted atomic.Int32
	src, err := apns.NewTokenSource(counting(srv.Config(), &minted))
	if err != nil {
		t.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
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
	srv := apnstest.NewServer()
	defer srv.Close()
	wrong, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var minted atomic.Int32
	cfg := counting(srv.Config(), &minted)
	cfg.PrivateKey = wrong // the key ID is known, the signature will not verify
	src, err := apns.NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
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
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	src, err := apns.NewTokenSource(apns.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", PrivateKey: key})
	if err != nil {
		t.Fatal(err)
	}
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
