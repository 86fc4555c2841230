package axm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ascjwt/ascjwt/axm"
)

func TestEachOAuthErrorCodeIsNamedWithItsUsualCause(t *testing.T) {
	cases := []struct{ code, cause string }{
		{"invalid_client", "Config.KeyID is not a key of Config.ClientID's API account"},
		{"invalid_grant", "Config.Audience"},
		{"invalid_scope", "business.api goes with BUSINESSAPI."},
		{"unauthorized_client", "may not use the client-credentials grant"},
		{"unsupported_grant_type", "check Config.TokenURL"},
		{"invalid_request", "lacks a parameter"},
		{"server_error", "the next call tries again"},
		{"temporarily_unavailable", "the next call tries again"},
		{"something_new", "Implementing OAuth for the Apple School Manager and Apple Business API"},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			srv, src := newSource(t)
			srv.Fail(http.StatusBadRequest, c.code, "told by the server")
			_, err := src.Token(context.Background())
			var oe *axm.OAuthError
			if !errors.As(err, &oe) || oe.Code != c.code || oe.StatusCode != 400 || oe.Description != "told by the server" {
				t.Fatalf("got %v; want an *axm.OAuthError with code %s", err, c.code)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "axm: ") || !strings.Contains(msg, "("+"400, "+c.code+": told by the server)") || !strings.Contains(msg, c.cause) {
				t.Errorf("error %q; want the code, the description and %q", msg, c.cause)
			}
			for _, a := range srv.Assertions() {
				if strings.Contains(msg, a) {
					t.Error("the error holds the assertion")
				}
			}
		})
	}
}

// oauthEndpoint answers every exchange with status and body, and counts.
func oauthEndpoint(t *testing.T, status int, body func(r *http.Request) string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body(r)))
	}))
	t.Cleanup(ts.Close)
	return ts, &n
}

// sourceFor points a Config at the token endpoint of ts.
func sourceFor(ts *httptest.Server) func(*axm.Config) {
	return func(c *axm.Config) {
		c.TokenURL = ts.URL + "/token"
		c.Client = ts.Client()
	}
}

func TestServerTextIsEscapedAndTheAssertionCutOut(t *testing.T) {
	var sent atomic.Value
	ts, _ := oauthEndpoint(t, http.StatusBadRequest, func(r *http.Request) string {
		r.ParseForm()
		a := r.PostForm.Get("client_assertion")
		sent.Store(a)
		b, _ := json.Marshal(map[string]string{
			"error":             "invalid_client\x1b]0;owned\x07",
			"error_description": "bad assertion " + a + "\nFAKE LOG LINE \x1b[31m",
		})
		return string(b)
	})
	_, src := newSource(t, sourceFor(ts))
	_, err := src.Token(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	a, _ := sent.Load().(string)
	if a == "" || strings.Contains(msg, a) {
		t.Errorf("error %q holds the assertion the endpoint echoed", msg)
	}
	if strings.ContainsAny(msg, "\x1b\x07\n") {
		t.Errorf("error %q holds control characters from the server", msg)
	}
	if !strings.Contains(msg, "<the assertion>") || !strings.Contains(msg, `\x1b`) {
		t.Errorf("error %q; want the echo marked and escapes shown", msg)
	}
}

func TestAnswersThatAreNoTokenAreRefusedWithoutQuotingThem(t *testing.T) {
	const secretish = "s3cr3t-t0ken-value"
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"html error page", http.StatusBadGateway, "<html>" + secretish + "</html>", "502 Bad Gateway with 31 bytes of application/json and no OAuth error"},
		{"no access_token", 200, `{"token_type":"Bearer","expires_in":3600}`, "has no access_token"},
		{"not JSON", 200, secretish, "is not the JSON of a token"},
		{"token with a space", 200, `{"access_token":"` + secretish + ` x","expires_in":3600}`, "is not a token an Authorization header can carry"},
		{"token with a newline", 200, `{"access_token":"` + secretish + `\nX-Evil: 1","expires_in":3600}`, "is not a token an Authorization header can carry"},
		{"not bearer", 200, `{"access_token":"` + secretish + `","token_type":"mac","expires_in":3600}`, "token_type (3 bytes) is not Bearer"},
		{"negative expires_in", 200, `{"access_token":"` + secretish + `","expires_in":-5}`, "expires_in, -5 seconds"},
		{"zero expires_in", 200, `{"access_token":"` + secretish + `","expires_in":0}`, "expires_in, 0 seconds"},
		{"expires_in over a day", 200, `{"access_token":"` + secretish + `","expires_in":864000}`, "expires_in, 864000 seconds"},
		{"huge answer", 200, `{"access_token":"` + strings.Repeat("a", 70<<10) + `"}`, "with more than 65,536 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, _ := oauthEndpoint(t, c.status, func(*http.Request) string { return c.body })
			_, src := newSource(t, sourceFor(ts))
			_, err := src.Token(context.Background())
			if err == nil || !strings.HasPrefix(err.Error(), "axm: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v; want an error saying %q", err, c.want)
			}
			if strings.Contains(err.Error(), secretish) {
				t.Errorf("error %q quotes the answer", err)
			}
		})
	}
}

func TestMissingExpiresInMeansApplesHour(t *testing.T) {
	ts, _ := oauthEndpoint(t, 200, func(*http.Request) string { return `{"access_token":"abc.DEF-123_~+/=","token_type":"bearer"}` })
	srv, src := newSource(t, sourceFor(ts))
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Expiry.Sub(srv.Now()); got != 3600e9 {
		t.Errorf("lifetime %v; want one hour", got)
	}
}

func TestExchangeDoesNotFollowRedirects(t *testing.T) {
	elsewhere, hits := oauthEndpoint(t, 200, func(*http.Request) string { return `{"access_token":"x","expires_in":3600}` })
	redirector := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/token", http.StatusTemporaryRedirect) // 307 resends the body
	}))
	defer redirector.Close()
	_, src := newSource(t, func(c *axm.Config) {
		c.TokenURL = redirector.URL + "/token"
		c.Client = redirector.Client()
	})
	_, err := src.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "307 Temporary Redirect, a redirect, which is not followed") {
		t.Fatalf("got %v; want the redirect refused", err)
	}
	if hits.Load() != 0 {
		t.Error("the assertion was posted where the redirect pointed")
	}
}

func TestEchoedAssertionPartsAreCutOut(t *testing.T) {
	for part := range 3 {
		var sent atomic.Value
		ts, _ := oauthEndpoint(t, http.StatusBadRequest, func(r *http.Request) string {
			r.ParseForm()
			a := r.PostForm.Get("client_assertion")
			sent.Store(a)
			b, _ := json.Marshal(map[string]string{"error": "invalid_grant", "error_description": "refused " + strings.Split(a, ".")[part]})
			return string(b)
		})
		_, src := newSource(t, sourceFor(ts))
		_, err := src.Token(context.Background())
		a, _ := sent.Load().(string)
		if err == nil || a == "" {
			t.Fatalf("part %d: %v", part, err)
		}
		p := strings.Split(a, ".")[part]
		if len(p) >= 16 && strings.Contains(err.Error(), p) {
			t.Errorf("the error holds part %d of the assertion the endpoint echoed", part+1)
		}
		if part > 0 && !strings.Contains(err.Error(), "refused <the assertion>") {
			t.Errorf("error %q: want the echoed part marked", err)
		}
	}
}
