package conformance

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

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
	var mu sync.Mutex
	var seen []string
	srv.Handle("GET /v1/apps", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Values("Authorization")...)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":[]}`))
	}))
	src := apitest.Must(t, ascjwt.NewTokenSource, srv.Config())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := oauth2.NewClient(context.WithValue(ctx, oauth2.HTTPClient, srv.Client()), xoauth2.TokenSource(src))
	for range 3 {
		if code := apitest.StatusOf(t, client, srv.URL+"/v1/apps"); code != http.StatusOK {
			t.Fatalf("x/oauth2 client with our token: status %d (%s); want 200", code, srv.Stats().LastRejection)
		}
	}
	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("%d Authorization headers over 3 requests; want one each", len(seen))
	}
	for i, h := range seen {
		if h != "Bearer "+tok.Value {
			t.Errorf("request %d: Authorization is not our source's bearer token", i+1)
		}
	}
	if st := srv.Stats(); st.Accepted != 3 || st.Tokens != 1 {
		t.Errorf("accepted %d with %d distinct tokens; want 3 with 1", st.Accepted, st.Tokens)
	}
}
