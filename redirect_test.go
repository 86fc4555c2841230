package ascjwt_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// storage is a second origin, like the storage App Store Connect sends
// downloads to: it records every header it sees.
type storage struct {
	*httptest.Server
	log *apitest.HeaderLog
}

func newStorage(t *testing.T) *storage {
	s := &storage{log: &apitest.HeaderLog{Then: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("report bytes")) }}}
	s.Server = httptest.NewTLSServer(s.log)
	t.Cleanup(s.Close)
	return s
}

func TestRedirectToOtherOriginCarriesNoToken(t *testing.T) {
	api := newFake(t)
	store := newStorage(t)
	api.Handle("GET /v1/salesReports", http.RedirectHandler(store.URL+"/reports/1.gz", http.StatusTemporaryRedirect))
	api.Handle("GET /v1/moved", http.RedirectHandler("/v1/apps", http.StatusMovedPermanently))

	// One client that trusts both servers' certificates.
	pool := x509.NewCertPool()
	pool.AddCert(api.Certificate())
	pool.AddCert(store.Certificate())
	base := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer base.CloseIdleConnections()
	src := apitest.Must(t, ascjwt.NewTokenSource, api.Config())
	client := ascjwt.NewClient(base, src)

	req, _ := http.NewRequest("GET", api.URL+"/v1/salesReports", nil)
	req.Header.Set("Accept", "application/a-gzip")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	seen := store.log.Headers()
	if resp.StatusCode != 200 || len(seen) != 1 {
		t.Fatalf("download: status %d, storage saw %d requests", resp.StatusCode, len(seen))
	}
	if auth, ok := seen[0]["Authorization"]; ok {
		t.Fatalf("the other origin received Authorization %q", auth)
	}
	if seen[0].Get("Accept") != "application/a-gzip" {
		t.Error("the redirect lost the caller's own headers")
	}

	// A redirect within the API's origin keeps the token: the server
	// refuses any request without one, so a 200 proves it.
	if code := apitest.StatusOfConcurrent(t, client, api.URL+"/v1/moved"); code != 200 {
		t.Fatalf("same-origin redirect: status %d (%s)", code, api.Stats().LastRejection)
	}
	if st := api.Stats(); st.Rejected != 0 || st.Accepted != 3 {
		t.Errorf("api stats %+v, want 3 accepted: the report redirect, the move and its target", st)
	}
}

func TestRedirectOriginRules(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		token    bool
	}{
		{"https://api.appstoreconnect.apple.com/v1/a", "https://api.appstoreconnect.apple.com/v1/b", true},
		{"https://api.appstoreconnect.apple.com/v1/a", "https://API.appstoreconnect.apple.com:443/v1/b", true},
		{"https://api.appstoreconnect.apple.com/v1/a", "http://api.appstoreconnect.apple.com/v1/b", false},
		{"https://api.appstoreconnect.apple.com/v1/a", "https://api.appstoreconnect.apple.com:8443/v1/b", false},
		{"https://api.appstoreconnect.apple.com/v1/a", "https://storage.example.com/r.gz", false},
		{"https://api.appstoreconnect.apple.com/v1/a", "https://sub.api.appstoreconnect.apple.com/v1/b", false},
	} {
		var got []string
		tr := &ascjwt.Transport{Source: staticSource("tok"), Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.Header.Values("Authorization")
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
		})}
		from, _ := url.Parse(tc.from)
		to, _ := url.Parse(tc.to)
		first := &http.Request{Method: "GET", URL: from, Header: http.Header{}}
		hop := &http.Request{Method: "GET", URL: to, Header: http.Header{},
			Response: &http.Response{StatusCode: 302, Request: first}}
		if _, err := tr.RoundTrip(hop); err != nil {
			t.Fatal(err)
		}
		if sent := len(got) == 1 && strings.HasPrefix(got[0], "Bearer "); sent != tc.token {
			t.Errorf("%s -> %s: token sent %v, want %v", tc.from, tc.to, sent, tc.token)
		}
	}

	// A chain that cannot be walked to its start keeps the token home.
	var got []string
	tr := &ascjwt.Transport{Source: staticSource("tok"), Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header.Values("Authorization")
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})}
	u, _ := url.Parse("https://api.appstoreconnect.apple.com/v1/b")
	if _, err := tr.RoundTrip(&http.Request{URL: u, Header: http.Header{}, Response: &http.Response{}}); err != nil || len(got) != 0 {
		t.Errorf("unknown origin: sent %q, %v", got, err)
	}
}
