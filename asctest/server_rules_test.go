package asctest

import (
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ascjwt/ascjwt"
)

// highS returns the same token with its signature's s replaced by n - s:
// ECDSA's other valid signature of the same input, made without the key.
func highS(t *testing.T, token string) string {
	t.Helper()
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.Strict().DecodeString(token[i+1:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("signature: %v", err)
	}
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s)
	s.FillBytes(sig[32:])
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func TestRevokedTokenStaysRevokedHoweverRespelled(t *testing.T) {
	srv := newServer(t)
	value := strings.TrimPrefix(bearer(t, srv), "Bearer ")
	parts := strings.Split(value, ".")
	spareBit := parts[0] + "." + parts[1] + "." + flipSpareBit(parts[2])
	malleated := highS(t, value)
	if _, err := Verify(malleated, &srv.Key().PrivateKey.PublicKey, VerifyOptions{Now: srv.Now()}); err != nil {
		t.Fatalf("the n-s signature does not verify (the premise of this test): %v", err)
	}

	if status, errs, _ := get(t, srv, "/v1/apps", "Bearer "+value); status != 200 {
		t.Fatalf("fresh token: %d %v", status, errs)
	}
	// The other valid signature is the same token: accepted, not counted.
	if status, errs, _ := get(t, srv, "/v1/apps", "Bearer "+malleated); status != 200 {
		t.Fatalf("n-s spelling before revocation: %d %v", status, errs)
	}
	// A spare bit changed is not a token at all.
	if status, errs, _ := get(t, srv, "/v1/apps", "Bearer "+spareBit); status != 401 || !strings.Contains(errs[0].Detail, "format: the signature is not base64url") {
		t.Fatalf("spare bit changed: %d %v; want a format 401", status, errs)
	}
	if st := srv.Stats(); st.Tokens != 1 || st.Accepted != 2 {
		t.Fatalf("stats %+v; want 2 accepted requests with 1 token", st)
	}

	srv.RevokeTokens(srv.Key().ID)
	for name, v := range map[string]string{"as issued": value, "n-s signature": malleated} {
		if status, errs, _ := get(t, srv, "/v1/apps", "Bearer "+v); status != 401 || !strings.Contains(errs[0].Detail, "revoked: the token was revoked") {
			t.Errorf("%s after RevokeTokens: %d %v; want 401 revoked", name, status, errs)
		}
	}
	if st := srv.Stats(); st.Tokens != 1 {
		t.Errorf("stats %+v; a revoked token's respellings counted as new tokens", st)
	}
}

// TestServerNamesTheBrokenRuleInTheDetail: the 401's detail names the rule
// a token broke, for the shapes a lax decoder misreads.
func TestServerNamesTheBrokenRuleInTheDetail(t *testing.T) {
	srv := newServer(t)
	now := frozen(srv)
	k := srv.Key()
	hdr := func(extra string) string { return fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"%s}`, k.ID, extra) }
	body := func(extra string) string {
		return fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"aud":"appstoreconnect-v1"%s}`, k.IssuerID, now.Unix()-60, now.Unix()+19*60, extra)
	}
	for _, tc := range []struct {
		name, header, payload string
		status                int
		detail                string
	}{
		{"aud array", hdr(""), strings.Replace(body(""), `"aud":"appstoreconnect-v1"`, `"aud":["appstoreconnect-v1"]`, 1), 200, ""},
		{"no iat", hdr(""), fmt.Sprintf(`{"iss":%q,"exp":%d,"aud":"appstoreconnect-v1"}`, k.IssuerID, now.Unix()+19*60), 200, ""},
		{"upper-case alg", fmt.Sprintf(`{"ALG":"ES256","kid":%q,"typ":"JWT"}`, k.ID), body(""), 401, `alg: header alg is missing (it has "ALG"`},
		{"duplicate alg", fmt.Sprintf(`{"alg":"none","alg":"ES256","kid":%q,"typ":"JWT"}`, k.ID), body(""), 401, `duplicate: the header has the name "alg" twice`},
		{"duplicate exp", hdr(""), body(`,"exp":1`), 401, `duplicate: the payload has the name "exp" twice`},
		{"crit", hdr(`,"crit":["x"],"x":1`), body(""), 401, `crit: header crit lists "x"`},
		{"b64 false", hdr(`,"b64":false,"crit":["b64"]`), body(""), 401, "b64: header b64 is false"},
		{"nbf ahead", hdr(""), body(fmt.Sprintf(`,"nbf":%d`, now.Unix()+60)), 401, "nbf: nbf is 1m0s in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, errs, _ := get(t, srv, "/v1/apps", "Bearer "+signRaw(k.PrivateKey, tc.header, tc.payload))
			if status != tc.status {
				t.Fatalf("status %d %v; want %d", status, errs, tc.status)
			}
			if tc.status == 401 && (len(errs) != 1 || errs[0].Code != "NOT_AUTHORIZED" || !strings.Contains(errs[0].Detail, tc.detail)) {
				t.Fatalf("errors %v; want NOT_AUTHORIZED saying %q", errs, tc.detail)
			}
		})
	}
}

func TestRequestLogGivesMethodPathStatusAndRuleNeverTheToken(t *testing.T) {
	srv := newServer(t)
	var mu sync.Mutex
	var logged []RequestLog
	srv.SetRequestLog(func(l RequestLog) {
		mu.Lock()
		logged = append(logged, l)
		mu.Unlock()
	})
	good := bearer(t, srv)
	expired := "Bearer " + crafter{srv.Key().PrivateKey}.sign(
		map[string]any{"alg": "ES256", "kid": srv.Key().ID, "typ": "JWT"},
		map[string]any{"iss": srv.IssuerID(), "iat": srv.Now().Unix() - 3600, "exp": srv.Now().Unix() - 1800, "aud": "appstoreconnect-v1"})

	get(t, srv, "/v1/apps?limit=1", good)
	get(t, srv, "/v1/nothing", good)
	get(t, srv, "/v1/apps", expired)
	srv.SetRateLimit(2)
	get(t, srv, "/v1/apps/1000000001", good)
	srv.SetRequestLog(nil)
	get(t, srv, "/v1/apps", good) // not logged

	mu.Lock()
	defer mu.Unlock()
	want := []RequestLog{
		{Method: "GET", Path: "/v1/apps", Status: 200},
		{Method: "GET", Path: "/v1/nothing", Status: 404},
		{Method: "GET", Path: "/v1/apps", Status: 401, Rule: RuleExpiry},
		{Method: "GET", Path: "/v1/apps/1000000001", Status: 429},
	}
	if len(logged) != len(want) {
		t.Fatalf("logged %d entries, want %d: %v", len(logged), len(want), logged)
	}
	for i, w := range want {
		got := logged[i]
		if got.Method != w.Method || got.Path != w.Path || got.Status != w.Status || got.Rule != w.Rule {
			t.Errorf("entry %d = %+v, want %+v", i, got, w)
		}
		line := got.String() + fmt.Sprintf("%+v", got)
		for _, secret := range []string{strings.TrimPrefix(good, "Bearer "), strings.TrimPrefix(expired, "Bearer ")} {
			for _, part := range strings.Split(secret, ".") {
				if strings.Contains(line, part) {
					t.Errorf("entry %d shows a part of a token: %s", i, line)
				}
			}
		}
	}
	if s := logged[2].String(); !strings.HasPrefix(s, `GET /v1/apps 401 "exp: the token expired`) {
		t.Errorf("String() = %q", s)
	}
	if s := (RequestLog{Method: "GET", Path: "/v1/\x1b[2J\n", Status: 404}).String(); strings.ContainsAny(s, "\x1b\n") {
		t.Errorf("String() lets control characters through: %q", s)
	}
}

func TestUnstartedServerRunsOnAGivenListener(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("TLS=%v", useTLS), func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := NewUnstartedServer()
			srv.Listener.Close()
			srv.Listener = l
			if useTLS {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			scheme := map[bool]string{false: "http", true: "https"}[useTLS]
			if want := scheme + "://" + l.Addr().String(); srv.URL != want {
				t.Fatalf("URL %s, want %s", srv.URL, want)
			}
			// A client outside the process: it knows only the URL and, for
			// TLS, the certificate PEM.
			base := &http.Transport{}
			defer base.CloseIdleConnections()
			pemBytes := srv.CertificatePEM()
			if useTLS {
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pemBytes) {
					t.Fatalf("CertificatePEM is not a PEM certificate")
				}
				base.TLSClientConfig = &tls.Config{RootCAs: pool}
			} else if pemBytes != nil {
				t.Fatalf("plain HTTP server has a certificate")
			}
			client := ascjwt.NewClient(&http.Client{Transport: base}, source(t, srv))
			resp, err := client.Get(srv.URL + "/v1/apps")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || srv.Stats().Accepted != 1 {
				t.Fatalf("status %d, stats %+v", resp.StatusCode, srv.Stats())
			}
		})
	}
}

func TestRequestLogKeepsHandlersFlushing(t *testing.T) {
	srv := newServer(t)
	logged := make(chan RequestLog, 1)
	srv.SetRequestLog(func(l RequestLog) { logged <- l })
	srv.Handle("GET /v1/stream", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "no Flusher", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "part")
		f.Flush()
	}))
	if status, _, _ := get(t, srv, "/v1/stream", bearer(t, srv)); status != 200 {
		t.Fatalf("status %d", status)
	}
	if l := <-logged; l.Status != 200 || l.Path != "/v1/stream" {
		t.Fatalf("logged %+v", l)
	}
}
