package bench

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/oauth2"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestRedirectLeak backs the README's comparison with x/oauth2: the API
// redirects a download to storage on another origin, and the storage
// records the Authorization header it receives. Go's http.Client strips that
// header on a cross-origin redirect only when the caller set it, so
// x/oauth2's Transport, which adds it below the client, sends its token to
// the storage; ascjwt's Transport does not.
func TestRedirectLeak(t *testing.T) {
	api := asctest.NewServer()
	defer api.Close()
	var seen apitest.HeaderLog
	storage := httptest.NewTLSServer(&seen)
	defer storage.Close()
	api.Handle("GET /v1/salesReports", http.RedirectHandler(storage.URL+"/report.gz", http.StatusFound))

	pool := x509.NewCertPool()
	pool.AddCert(api.Certificate())
	pool.AddCert(storage.Certificate())
	base := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer base.CloseIdleConnections()

	src, tok := signedSource(t, api.Config())
	clients := map[string]*http.Client{
		"ascjwt": {Transport: &ascjwt.Transport{Source: src, Base: base}},
		"oauth2": {Transport: &oauth2.Transport{
			Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.Value, TokenType: "Bearer"}),
			Base:   base,
		}},
	}
	for _, name := range []string{"ascjwt", "oauth2"} {
		resp, err := clients[name].Get(api.URL + "/v1/salesReports")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	headers := seen.Headers()
	if len(headers) != 2 {
		t.Fatalf("storage saw %d requests, want 2", len(headers))
	}
	if headers[0].Get("Authorization") != "" {
		t.Errorf("ascjwt sent Authorization to the other origin")
	}
	if got := headers[1].Get("Authorization"); got != "Bearer "+tok.Value {
		t.Errorf("x/oauth2 no longer sends its token to the other origin (got %q); update the README", got)
	}
}
