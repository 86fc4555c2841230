package xoauth2_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/xoauth2"
)

// TestTokenSourceServesOAuth2NewClient: an ascjwt source through x/oauth2's
// own client, checked by asctest the way Apple checks tokens; one signature
// for many requests, with no ReuseTokenSource around it.
func TestTokenSourceServesOAuth2NewClient(t *testing.T) {
	srv := asctest.NewServer()
	defer srv.Close()
	src := apitest.Must(t, ascjwt.NewTokenSource, srv.Config())
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	client := oauth2.NewClient(ctx, xoauth2.TokenSource(src))
	for range 5 {
		if code := apitest.StatusOf(t, client, srv.URL+"/v1/apps"); code != 200 {
			t.Fatalf("status %d: %s", code, srv.Stats().LastRejection)
		}
	}
	if st := srv.Stats(); st.Accepted != 5 || st.Tokens != 1 {
		t.Errorf("server stats %+v; want 5 accepted with 1 token", st)
	}
	tok, err := xoauth2.TokenSource(src).Token()
	if err != nil || tok.TokenType != "Bearer" || !tok.Valid() {
		t.Errorf("oauth2 token %+v, %v", tok, err)
	}
}

// TestFromOAuth2ServesTheTransport: an x/oauth2 source through ascjwt's
// Transport: the token reaches the API host and not another one.
func TestFromOAuth2ServesTheTransport(t *testing.T) {
	var apiLog, otherLog apitest.HeaderLog
	api := httptest.NewServer(&apiLog)
	defer api.Close()
	other := httptest.NewServer(&otherLog)
	defer other.Close()

	ts := oauth2.ReuseTokenSource(nil, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "access-123", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}))
	tr := &ascjwt.Transport{Source: xoauth2.FromOAuth2(ts), Hosts: []string{strings.TrimPrefix(api.URL, "http://")}}
	client := &http.Client{Transport: tr}
	for _, u := range []string{api.URL + "/v1", other.URL + "/upload"} {
		apitest.StatusOf(t, client, u)
	}
	if h := apiLog.Headers(); len(h) != 1 || h[0].Get("Authorization") != "Bearer access-123" {
		t.Errorf("the API saw %d requests, want one with Authorization: Bearer access-123", len(h))
	}
	if h := otherLog.Headers(); len(h) != 1 || h[0].Get("Authorization") != "" {
		t.Errorf("another host saw %d requests, want one without Authorization", len(h))
	}
	// ascjwt.NewClient serves it too.
	apitest.StatusOf(t, ascjwt.NewClient(nil, xoauth2.FromOAuth2(ts)), api.URL+"/v2")
}

// TestFromOAuth2ReusesItsConversion: a caching x/oauth2 source's token is
// converted once, and a cached Token costs no allocation.
func TestFromOAuth2ReusesItsConversion(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)})
	src := xoauth2.FromOAuth2(ts)
	ctx := context.Background()
	first, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := src.Token(ctx); again != first {
		t.Error("the same x/oauth2 token was converted twice")
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = src.Token(ctx) }); n != 0 {
		t.Errorf("Token allocates %v times for a token it has converted", n)
	}
}

func TestAdaptersRefuseWhatTheyCannotCarry(t *testing.T) {
	ctx := context.Background()
	mac := xoauth2.FromOAuth2(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "secret-value", TokenType: "MAC"}))
	if _, err := mac.Token(ctx); err == nil || !strings.Contains(err.Error(), `type "MAC"`) || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("a MAC token: %v", err)
	}
	if _, err := xoauth2.FromOAuth2(oauth2.StaticTokenSource(&oauth2.Token{})).Token(ctx); err == nil {
		t.Error("an empty access token was accepted")
	}
	failing := xoauth2.FromOAuth2(failingTS{})
	if _, err := failing.Token(ctx); !errors.Is(err, errDown) {
		t.Errorf("err = %v, want the source's wrapped", err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := xoauth2.FromOAuth2(failingTS{}).Token(done); !errors.Is(err, context.Canceled) {
		t.Errorf("an ended context: %v", err)
	}
	if _, err := xoauth2.TokenSource(nil).Token(); err == nil {
		t.Error("a nil ascjwt source gave a token")
	}
	if _, err := xoauth2.FromOAuth2(nil).Token(ctx); err == nil {
		t.Error("a nil x/oauth2 source gave a token")
	}
}

var errDown = errors.New("token endpoint down")

type failingTS struct{}

func (failingTS) Token() (*oauth2.Token, error) { return nil, errDown }
