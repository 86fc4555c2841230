package musickittest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/internal/faketest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
	"github.com/ascjwt/ascjwt/musickit"
)

var b64 = base64.RawURLEncoding

// forge signs header.payload as given, byte for byte, with key: tokens
// that break one rule each, which no well-behaved library would make.
func forge(t testing.TB, header, payload string, key *ecdsa.PrivateKey) string {
	t.Helper()
	return jwsforge.Sign(key, header, payload)
}

// forgeValid makes a valid token for k at now, for seeds.
func forgeValid(t testing.TB, k Key, now time.Time) string {
	return forge(t, fmt.Sprintf(`{"alg":"ES256","kid":%q}`, k.ID), fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d}`, k.TeamID, now.Unix(), now.Unix()+3600), k.PrivateKey)
}

func get(t *testing.T, srv *Server, path string, header http.Header) *http.Response {
	t.Helper()
	return faketest.Get(t, srv.Client(), srv.URL+path, header)
}

// stats is Stats in the toolkit's type, for internal/faketest.
func (s *Server) stats() fakeserver.Stats { return fakeserver.Stats(s.Stats()) }

func bearer(tok string) http.Header { return faketest.Bearer(tok) }

func TestServerRefusesEachBrokenRule(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	fixed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return fixed })
	k := srv.Key()
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	revoked := srv.AddKey()
	srv.Revoke(revoked.ID)
	now := srv.Now().Unix()
	head := fmt.Sprintf(`{"alg":"ES256","kid":%q}`, k.ID)
	claims := func(iat, exp int64) string {
		return fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d}`, k.TeamID, iat, exp)
	}
	good := claims(now, now+3600)
	valid := forge(t, head, good, k.PrivateKey)
	parts := strings.Split(valid, ".")

	for _, tc := range []struct {
		name   string
		header http.Header
		rule   string // in Stats.LastRejection
	}{
		{"no Authorization", nil, "no Authorization header"},
		{"not Bearer", http.Header{"Authorization": {"Basic " + valid}}, "Bearer"},
		{"two Authorization headers", http.Header{"Authorization": {"Bearer " + valid, "Bearer " + valid}}, "more than one"},
		{"two parts", bearer(parts[0] + "." + parts[1]), "2 parts"},
		{"padded base64", bearer(parts[0] + "=." + parts[1] + "." + parts[2]), "base64url"},
		{"alg HS256", bearer(forge(t, fmt.Sprintf(`{"alg":"HS256","kid":%q}`, k.ID), good, k.PrivateKey)), "alg is not ES256"},
		{"alg none", bearer(forge(t, fmt.Sprintf(`{"alg":"none","kid":%q}`, k.ID), good, k.PrivateKey)), "alg is not ES256"},
		{"no kid", bearer(forge(t, `{"alg":"ES256"}`, good, k.PrivateKey)), "no kid"},
		{"unknown kid", bearer(forge(t, `{"alg":"ES256","kid":"ZZZZZZZZZZ"}`, good, k.PrivateKey)), "names no key"},
		{"revoked key", bearer(forge(t, fmt.Sprintf(`{"alg":"ES256","kid":%q}`, revoked.ID), good, revoked.PrivateKey)), "revoked"},
		{"typ not JWT", bearer(forge(t, fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"at+jwt"}`, k.ID), good, k.PrivateKey)), "typ"},
		{"crit in header", bearer(forge(t, fmt.Sprintf(`{"alg":"ES256","kid":%q,"crit":["exp"]}`, k.ID), good, k.PrivateKey)), `"crit"`},
		{"kid twice", bearer(forge(t, fmt.Sprintf(`{"alg":"ES256","kid":%q,"kid":%q}`, k.ID, k.ID), good, k.PrivateKey)), "twice"},
		{"signed by another key", bearer(forge(t, head, good, other)), "does not verify"},
		{"signature cut short", bearer(parts[0] + "." + parts[1] + "." + parts[2][:40]), "bytes"},
		{"payload changed after signing", bearer(parts[0] + "." + b64.EncodeToString([]byte(claims(now, now+7200))) + "." + parts[2]), "does not verify"},
		{"no iss", bearer(forge(t, head, fmt.Sprintf(`{"iat":%d,"exp":%d}`, now, now+60), k.PrivateKey)), "iss"},
		{"iss of another team", bearer(forge(t, head, fmt.Sprintf(`{"iss":"ZZZZZZZZZZ","iat":%d,"exp":%d}`, now, now+60), k.PrivateKey)), "not the Team ID"},
		{"no iat", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"exp":%d}`, k.TeamID, now+60), k.PrivateKey)), "iat is missing"},
		{"iat as a string", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":"%d","exp":%d}`, k.TeamID, now, now+60), k.PrivateKey)), "iat is not an integer"},
		{"iat in the future", bearer(forge(t, head, claims(now+120, now+3600), k.PrivateKey)), "future"},
		{"no exp", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d}`, k.TeamID, now), k.PrivateKey)), "exp is missing"},
		{"expired", bearer(forge(t, head, claims(now-7200, now-1), k.PrivateKey)), "expired"},
		{"exp before iat", bearer(forge(t, head, claims(now+30, now+10), k.PrivateKey)), "not after iat"},
		{"exp past six months", bearer(forge(t, head, claims(now, now+15_777_001), k.PrivateKey)), "15,777,000"},
		{"origin not a list", bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"origin":"https://a.example"}`, k.TeamID, now, now+60), k.PrivateKey)), "origin is not an array"},
		{"Origin not in the token's list", http.Header{"Authorization": {"Bearer " + forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"origin":["https://a.example"]}`, k.TeamID, now, now+60), k.PrivateKey)}, "Origin": {"https://b.example"}}, "Origin header"},
	} {
		faketest.ExpectBare401(t, tc.name, srv.Client(), srv.URL+"/v1/catalog/us/songs/1", tc.header, srv.stats, tc.rule)
	}

	// The rules' edges, which pass: exp exactly six months away, typ JWT,
	// an Origin in the list, no Origin header with a list, iat a minute
	// ahead.
	for name, h := range map[string]http.Header{
		"valid":             bearer(valid),
		"six months":        bearer(forge(t, head, claims(now, now+15_777_000), k.PrivateKey)),
		"typ JWT":           bearer(forge(t, fmt.Sprintf(`{"typ":"JWT","alg":"ES256","kid":%q}`, k.ID), good, k.PrivateKey)),
		"iat a minute on":   bearer(forge(t, head, claims(now+60, now+3600), k.PrivateKey)),
		"origin, no Origin": bearer(forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"origin":["https://a.example"]}`, k.TeamID, now, now+60), k.PrivateKey)),
		"Origin in the list": {"Authorization": {"Bearer " + forge(t, head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"origin":["https://a.example","https://b.example"]}`, k.TeamID, now, now+60), k.PrivateKey)},
			"Origin": {"https://b.example"}},
	} {
		faketest.ExpectOK(t, name, srv.Client(), srv.URL+"/v1/catalog/us/songs/1", h, srv.stats)
	}
}

func TestServerAcceptsSourceTokensAndServesSongs(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	src, err := musickit.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	resp, err := client.Get(srv.URL + "/v1/catalog/gb/songs/203709340")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Data []struct {
			ID, Type, Href string
			Attributes     struct{ Name, ArtistName, URL string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %v", resp.Status, err)
	}
	if len(doc.Data) != 1 || doc.Data[0].ID != "203709340" || doc.Data[0].Type != "songs" || doc.Data[0].Href != "/v1/catalog/gb/songs/203709340" || doc.Data[0].Attributes.Name == "" {
		t.Fatalf("song = %+v", doc)
	}
	for _, path := range []string{"/v1/catalog/gb/songs/abc", "/v1/catalog/GBR/songs/1", "/v1/catalog/gb/albums/1"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var errs struct {
			Errors []struct{ Status, Code string }
		}
		json.NewDecoder(resp.Body).Decode(&errs)
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %s, want 404", path, resp.Status)
		}
		if path != "/v1/catalog/gb/albums/1" && (len(errs.Errors) != 1 || errs.Errors[0].Status != "404") {
			t.Errorf("%s: errors = %+v, want Apple's error document", path, errs)
		}
	}
	if st := srv.Stats(); st.Accepted != 4 || st.Rejected != 0 || st.Tokens != 1 {
		t.Fatalf("stats %+v: want 4 accepted with one token", st)
	}
}

func TestServerClockExpiresTokensAndSourceFollows(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	cfg := srv.Config()
	src, err := musickit.NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	resp := get(t, srv, "/v1/catalog/us/songs/1", bearer(tok.Value))
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(srv.Stats().LastRejection, "expired") {
		t.Fatalf("an hour-old token: %s, %q", resp.Status, srv.Stats().LastRejection)
	}
	// The source reads the same clock, so a client gets a new token.
	resp, err = ascjwt.NewClient(srv.Client(), src).Get(srv.URL + "/v1/catalog/us/songs/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after Advance: %s (%s)", resp.Status, srv.Stats().LastRejection)
	}
}

func TestRevokedKeyRetriedOnceThenRefused(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	src, err := musickit.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	faketest.RevokedKeyRetriedOnceThenRefused(t, ascjwt.NewClient(srv.Client(), src), srv.URL+"/v1/catalog/us/songs/1", func() { srv.Revoke(srv.Key().ID) }, srv.stats)
}

func TestHandleAddsRoutesBehindTheTokenCheck(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	srv.Handle("GET /v1/me/library/songs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"data":[]}`)
	}))
	resp := get(t, srv, "/v1/me/library/songs", nil)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("without a token: %s", resp.Status)
	}
	src, err := musickit.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	resp, err = ascjwt.NewClient(srv.Client(), src).Get(srv.URL + "/v1/me/library/songs")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != `{"data":[]}` {
		t.Fatalf("added route answered %s %q", resp.Status, body)
	}
}

// TestRevokeTokensMakesTheClientSignAnew: after RevokeTokens, the token the
// server accepted gets 401 and the client's one retry with a fresh token
// passes, as with asctest's RevokeTokens.
func TestRevokeTokensMakesTheClientSignAnew(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	src, err := musickit.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	for i := range 2 {
		resp, err := client.Get(srv.URL + "/v1/catalog/us/songs/1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %s", i+1, resp.Status)
		}
		srv.RevokeTokens(srv.Key().ID)
	}
	if st := srv.Stats(); st.Rejected != 1 || st.Tokens != 2 || st.LastRejection != "the token was revoked; sign a new one" {
		t.Fatalf("stats %+v; want one refusal of the revoked token and two tokens", st)
	}
}
