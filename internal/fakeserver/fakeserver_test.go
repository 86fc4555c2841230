package fakeserver

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestKeysAreOneTeamsAndRevokedKeysFailLookup(t *testing.T) {
	k := NewKeys()
	a, b := k.Add(), k.Add()
	if a.TeamID != k.Team() || b.TeamID != k.Team() || a.ID == b.ID || len(a.ID) != 10 || a.PrivateKey == nil {
		t.Fatalf("keys %+v %+v of team %s", a, b, k.Team())
	}
	k.Revoke(a.ID)
	if _, err := k.Lookup(a.ID); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked key: %v", err)
	}
	if got, err := k.Lookup(b.ID); err != nil || got.ID != b.ID {
		t.Errorf("other key: %+v, %v", got, err)
	}
	if _, err := k.Lookup("ZZZZZZZZZZ"); err == nil || strings.Contains(err.Error(), "ZZZZ") {
		t.Errorf("unknown kid: %v", err)
	}
}

// gateServer starts a gate on loopback that passes the tokens "good.x" and
// "good.y" and serves "ok" from its own routes.
func gateServer(t *testing.T) (*Gate, string, *http.Client) {
	t.Helper()
	routes := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	g := NewGate(time.Now, func(_ *http.Request, token string, _ time.Time) (Checked, error) {
		if !strings.HasPrefix(token, "good.") {
			return Checked{}, errors.New("not a good token")
		}
		return Checked{KeyID: "K", ID: token}, nil
	}, routes)
	srv := NewUnstarted(g)
	srv.Start()
	t.Cleanup(srv.Close)
	return g, srv.URL, srv.Client()
}

func get(t *testing.T, client *http.Client, url string, auth ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header["Authorization"] = auth
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestGateAnswersRefusalsWithABare401AndCountsTokens(t *testing.T) {
	g, url, client := gateServer(t)
	g.Handle("GET /mine", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "mine") }))
	for _, tc := range []struct {
		auth   []string
		status int
		body   string
		rule   string
	}{
		{nil, 401, "", "no Authorization header"},
		{[]string{"Bearer good.x", "Bearer good.x"}, 401, "", "more than one"},
		{[]string{"bearer good.x"}, 401, "", `does not start with "Bearer "`},
		{[]string{"Bearer bad.x"}, 401, "", "not a good token"},
		{[]string{"Bearer good.x"}, 200, "ok", ""},
		{[]string{"Bearer good.x"}, 200, "ok", ""},
		{[]string{"Bearer good.y"}, 200, "ok", ""},
	} {
		status, body := get(t, client, url+"/any", tc.auth...)
		if status != tc.status || body != tc.body || tc.rule != "" && !strings.Contains(g.Stats().LastRejection, tc.rule) {
			t.Errorf("%q: %d %q (%s), want %d %q", tc.auth, status, body, g.Stats().LastRejection, tc.status, tc.body)
		}
	}
	if status, body := get(t, client, url+"/mine", "Bearer good.x"); status != 200 || body != "mine" {
		t.Errorf("added route: %d %q", status, body)
	}
	if status, _ := get(t, client, url+"/mine"); status != 401 {
		t.Errorf("added route without a token: %d", status)
	}
	if st := g.Stats(); st != (Stats{Accepted: 4, Rejected: 5, Tokens: 2, LastRejection: "no Authorization header"}) {
		t.Errorf("stats %+v", st)
	}
}

// TestGateCountsConcurrentRequestsOnce: requests from many goroutines, with
// routes added meanwhile, are each counted once and one token counts once.
func TestGateCountsConcurrentRequestsOnce(t *testing.T) {
	g, url, client := gateServer(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			auth := "Bearer good.x"
			if i%2 == 1 {
				auth = "Bearer bad.x"
			}
			get(t, client, url+"/any", auth)
		})
	}
	wg.Go(func() { g.Handle("GET /late", http.NotFoundHandler()) })
	wg.Wait()
	client.CloseIdleConnections()
	if st := g.Stats(); st.Accepted != 10 || st.Rejected != 10 || st.Tokens != 1 {
		t.Fatalf("stats %+v, want 10 accepted with one token and 10 rejected", st)
	}
}

// TestGateRevokeTokensRefusesTheKeysAcceptedTokensOnly: after RevokeTokens,
// the tokens the gate accepted for the key get 401, and a new one passes.
func TestGateRevokeTokensRefusesTheKeysAcceptedTokensOnly(t *testing.T) {
	g, url, client := gateServer(t)
	if status, _ := get(t, client, url+"/any", "Bearer good.x"); status != 200 {
		t.Fatalf("before: %d", status)
	}
	g.RevokeTokens("other key")
	if status, _ := get(t, client, url+"/any", "Bearer good.x"); status != 200 {
		t.Fatalf("another key's revocation refused the token: %d", status)
	}
	g.RevokeTokens("K")
	if status, _ := get(t, client, url+"/any", "Bearer good.x"); status != 401 || g.Stats().LastRejection != "the token was revoked; sign a new one" {
		t.Fatalf("revoked: %d (%s)", status, g.Stats().LastRejection)
	}
	if status, _ := get(t, client, url+"/any", "Bearer good.y"); status != 200 {
		t.Fatalf("a new token after the revocation: %d", status)
	}
}

// TestBearerSaysWhatIsWrongWithTheHeader: no header, two, another scheme
// and an empty token are each refused with a reason that quotes nothing.
func TestBearerSaysWhatIsWrongWithTheHeader(t *testing.T) {
	for _, tc := range []struct {
		auth []string
		want string
	}{
		{nil, "no Authorization header"},
		{[]string{"Bearer a", "Bearer b"}, "more than one"},
		{[]string{"Basic c2VjcmV0"}, `does not start with "Bearer "`},
		{[]string{"Bearer "}, "no bearer token"},
	} {
		r, _ := http.NewRequest("GET", "https://example.com/", nil)
		r.Header["Authorization"] = tc.auth
		if _, err := Bearer(r); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("%q: %v, want %q", tc.auth, err, tc.want)
		}
	}
	r, _ := http.NewRequest("GET", "https://example.com/", nil)
	r.Header.Set("Authorization", "Bearer tok")
	if v, err := Bearer(r); v != "tok" || err != nil {
		t.Errorf("a good header: %q, %v", v, err)
	}
}

// TestKeysRegisterKeysOfAnyTeamAndSayWhyALookupFails: Register makes a key
// of the team given (none, for an individual key), and Lookup's errors are
// the sentinels.
func TestKeysRegisterKeysOfAnyTeamAndSayWhyALookupFails(t *testing.T) {
	k := NewKeysOf("issuer")
	team, none := k.Register("A", k.Team()), k.Register("B", "")
	if team.TeamID != "issuer" || none.TeamID != "" || team.PrivateKey.Equal(none.PrivateKey) {
		t.Fatalf("keys %+v %+v", team, none)
	}
	k.Revoke("B")
	if _, err := k.Lookup("B"); !errors.Is(err, ErrRevokedKey) {
		t.Errorf("revoked: %v", err)
	}
	if _, err := k.Lookup("C"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown: %v", err)
	}
	if len(NewID()) != 10 || strings.Trim(NewID(), "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("NewID is not of Apple's form")
	}
	if u := NewUUID(); len(u) != 36 || u[14] != '4' {
		t.Errorf("NewUUID %q", u)
	}
}
