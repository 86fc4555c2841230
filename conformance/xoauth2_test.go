package conformance

import (
	"context"
	"net/http"
	"testing"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/xoauth2"
	"golang.org/x/oauth2"
)

// TestOAuth2ClientCarriesOnlyOurToken drives golang.org/x/oauth2's own
// client with xoauth2.TokenSource over an App Store Connect token source:
// asctest accepts every request, each carries exactly our source's token
// as a bearer token, and three calls use one token.
//
// x/oauth2/clientcredentials meets axmtest in
// TestOAuth2ClientCredentialsExchangesAnAssertionAtAxmtest, with nanoaxm's
// client assertion as its endpoint parameters: xoauth2 makes none.
func TestOAuth2ClientCarriesOnlyOurToken(t *testing.T) {
	srv := closeAtEnd(t, asctest.NewServer())
	seen := &apitest.HeaderLog{Then: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":[]}`))
	}}
	srv.Handle("GET /v1/apps", seen)
	src := apitest.Must(t, ascjwt.NewTokenSource, srv.Config())
	client := oauth2.NewClient(context.WithValue(t.Context(), oauth2.HTTPClient, srv.Client()), xoauth2.TokenSource(src))
	for range 3 {
		if code := apitest.StatusOf(t, client, srv.URL+"/v1/apps"); code != http.StatusOK {
			t.Fatalf("x/oauth2 client with our token: status %d (%s); want 200", code, srv.Stats().LastRejection)
		}
	}
	tok := apitest.MustToken(t, src.Token)
	headers := seen.Headers()
	if len(headers) != 3 {
		t.Fatalf("%d requests reached the API; want 3", len(headers))
	}
	for i, h := range headers {
		if auth := h.Values("Authorization"); len(auth) != 1 || auth[0] != "Bearer "+tok.Value {
			t.Errorf("request %d: %d Authorization headers, want one, our source's bearer token", i+1, len(auth))
		}
	}
	if st := srv.Stats(); st.Accepted != 3 || st.Tokens != 1 {
		t.Errorf("accepted %d with %d distinct tokens; want 3 with 1", st.Accepted, st.Tokens)
	}
}
