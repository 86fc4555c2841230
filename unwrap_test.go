package ascjwt_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
)

// apiSource stands for an API package's source (APNs', say): tokens for its
// own hosts only, a 403 that refuses a token, and a new token once the
// current one is invalidated.
type apiSource struct {
	mu          sync.Mutex
	n           int
	invalidated int
}

func (s *apiSource) Token(context.Context) (*ascjwt.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &ascjwt.Token{Value: "token-" + strconv.Itoa(s.n), Expiry: time.Now().Add(time.Hour)}, nil
}

func (s *apiSource) InvalidateToken(*ascjwt.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	s.invalidated++
}

func (s *apiSource) TokenHosts() []string { return []string{"api.push.example.test:443"} }

func (s *apiSource) RefusedToken(resp *http.Response) bool {
	return resp.StatusCode == http.StatusForbidden
}

// unwrapping is a logging wrapper that implements nothing but Token and
// Unwrap.
type unwrapping struct {
	inner ascjwt.TokenSource
	calls int
}

func (w *unwrapping) Token(ctx context.Context) (*ascjwt.Token, error) {
	w.calls++
	return w.inner.Token(ctx)
}

func (w *unwrapping) Unwrap() ascjwt.TokenSource { return w.inner }

// TestTransportSeesThroughUnwrap: a wrapper with an Unwrap method keeps what
// the source inside tells the Transport: its hosts (HostScoped), which
// responses refuse a token (RefusalJudge), and that a refused token is to be
// replaced (Invalidator), even two wrappers deep.
func TestTransportSeesThroughUnwrap(t *testing.T) {
	inner := &apiSource{}
	src := &unwrapping{inner: &unwrapping{inner: inner}}
	var sent []string
	tr := &ascjwt.Transport{Source: src, Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.Header.Get("Authorization"))
		code := http.StatusOK
		if len(sent) == 1 {
			code = http.StatusForbidden // ExpiredProviderToken
		}
		return &http.Response{StatusCode: code, Body: http.NoBody, Request: r}, nil
	})}
	req, _ := http.NewRequest("POST", "https://api.push.example.test/3/device/abc", http.NoBody)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(sent) != 2 || sent[0] != "Bearer token-0" || sent[1] != "Bearer token-1" {
		t.Fatalf("got %d after sends %q; want the 403 retried once with a new token", resp.StatusCode, sent)
	}
	if inner.invalidated != 1 {
		t.Errorf("the inner source was told of %d refusals, want 1", inner.invalidated)
	}
}

// policySource is a source whose API says whether a 429 may be waited out.
type policySource struct {
	staticSource
	retry bool
}

func (s policySource) Retry429(*http.Response) bool { return s.retry }

// TestRetryPolicyDecidesA429: a source that is a RetryPolicy (seen through
// a wrapper, too) decides whether a 429 is waited out: false sends it back
// to the caller at once, with one send; true waits as any source's would.
func TestRetryPolicyDecidesA429(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   ascjwt.TokenSource
		sends int
	}{
		{"Retry429 false", policySource{staticSource: "t", retry: false}, 1},
		{"Retry429 false, wrapped", &unwrapping{inner: policySource{staticSource: "t", retry: false}}, 1},
		{"Retry429 true", policySource{staticSource: "t", retry: true}, 2},
		{"no RetryPolicy", staticSource("t"), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sends := 0
			tr := &ascjwt.Transport{Source: tc.src, Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				sends++
				code, h := http.StatusOK, http.Header{}
				if sends == 1 {
					code = http.StatusTooManyRequests
					h.Set("Retry-After", "0")
				}
				return &http.Response{StatusCode: code, Header: h, Body: http.NoBody, Request: r}, nil
			})}
			req, _ := http.NewRequest("GET", ascjwt.AppStoreConnectURL+"/v1/apps", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if sends != tc.sends {
				t.Errorf("%d sends, want %d", sends, tc.sends)
			}
		})
	}
}

// acceptCounting is a source that counts the tokens it is told a server
// accepted.
type acceptCounting struct {
	staticSource
	mu       sync.Mutex
	accepted []*ascjwt.Token
}

func (s *acceptCounting) TokenAccepted(tok *ascjwt.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted = append(s.accepted, tok)
}

// TestTransportTellsTheSourceItsTokenWasAccepted: after a 2xx, and only
// then, the Transport calls TokenAccepted with the token the source gave,
// on the source itself or the one inside a wrapper.
func TestTransportTellsTheSourceItsTokenWasAccepted(t *testing.T) {
	for _, wrapped := range []bool{false, true} {
		inner := &acceptCounting{staticSource: "t"}
		var src ascjwt.TokenSource = inner
		if wrapped {
			src = &unwrapping{inner: inner}
		}
		code := http.StatusOK
		tr := &ascjwt.Transport{Source: src, Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: code, Body: http.NoBody, Request: r}, nil
		})}
		for _, c := range []int{200, 204, 404, 500} {
			code = c
			req, _ := http.NewRequest("GET", ascjwt.AppStoreConnectURL+"/v1/apps", nil)
			if _, err := tr.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(inner.accepted); n != 2 {
			t.Errorf("wrapped %v: TokenAccepted called %d times, want 2: for the 200 and the 204", wrapped, n)
		}
	}
}
