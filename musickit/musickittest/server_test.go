package musickittest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/faketest"
	"github.com/ascjwt/ascjwt/musickit"
)

// songPath is a song the catalog serves, behind the token check.
const songPath = "/v1/catalog/us/songs/1"

func TestServerRefusesEachBrokenRule(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	tok := faketest.AccountToken(srv.Account)
	now, head := tok.Now, tok.Head("ES256", tok.Key.ID)
	// withOrigins is a token whose origin claim is origins, in JSON.
	withOrigins := func(origins string) string {
		return tok.Sign(head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"origin":%s}`, srv.TeamID(), now, now+60, origins))
	}
	refused := append(tok.BrokenRules(),
		faketest.Refusal{Name: "exp past six months", Header: faketest.Bearer(tok.Sign(head, tok.Payload(now, now+15_777_001))), Rule: "15,777,000"},
		faketest.Refusal{Name: "origin not a list", Header: faketest.Bearer(withOrigins(`"https://a.example"`)), Rule: "origin is not an array"},
		faketest.Refusal{Name: "Origin not in the token's list", Header: http.Header{"Authorization": {"Bearer " + withOrigins(`["https://a.example"]`)}, "Origin": {"https://b.example"}}, Rule: "Origin header"},
	)
	// The rules' edges of the Apple Music API, which pass: exp exactly six
	// months away, an Origin in the list, no Origin header with a list.
	passing := tok.Passing()
	passing["six months"] = faketest.Bearer(tok.Sign(head, tok.Payload(now, now+15_777_000)))
	passing["origin, no Origin"] = faketest.Bearer(withOrigins(`["https://a.example"]`))
	passing["Origin in the list"] = http.Header{"Authorization": {"Bearer " + withOrigins(`["https://a.example","https://b.example"]`)}, "Origin": {"https://b.example"}}
	faketest.ExpectRules(t, srv.Client(), srv.URL+songPath, srv.Stats, refused, passing)
}

func TestServerAcceptsSourceTokensAndServesSongs(t *testing.T) {
	srv, client := faketest.Serve(t, NewServer, musickit.NewTokenSource, ascjwt.NewClient)
	resp := faketest.Get(t, client, srv.URL+"/v1/catalog/gb/songs/203709340", nil)
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
		resp := faketest.Get(t, client, srv.URL+path, nil)
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
	src := apitest.Must(t, musickit.NewTokenSource, srv.Config())
	tok, err := src.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	faketest.ExpectBare401(t, "an hour-old token", srv.Client(), srv.URL+songPath, faketest.Bearer(tok.Value), srv.Stats, "expired")
	// The source reads the same clock, so a client gets a new token.
	if code := faketest.Status(t, ascjwt.NewClient(srv.Client(), src), srv.URL+songPath, nil); code != 200 {
		t.Fatalf("after Advance: %d (%s)", code, srv.Stats().LastRejection)
	}
}

func TestRevokedKeyRetriedOnceThenRefused(t *testing.T) {
	srv, client := faketest.Serve(t, NewServer, musickit.NewTokenSource, ascjwt.NewClient)
	faketest.RevokedKeyRetriedOnceThenRefused(t, client, srv.URL+songPath, func() { srv.Revoke(srv.Key().ID) }, srv.Stats)
}

func TestHandleAddsRoutesBehindTheTokenCheck(t *testing.T) {
	srv, client := faketest.Serve(t, NewServer, musickit.NewTokenSource, ascjwt.NewClient)
	srv.Handle("GET /v1/me/library/songs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"data":[]}`)
	}))
	if code := faketest.Status(t, srv.Client(), srv.URL+"/v1/me/library/songs", nil); code != 401 {
		t.Fatalf("without a token: %d", code)
	}
	resp := faketest.Get(t, client, srv.URL+"/v1/me/library/songs", nil)
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
	srv, client := faketest.Serve(t, NewServer, musickit.NewTokenSource, ascjwt.NewClient)
	for i := range 2 {
		if code := faketest.Status(t, client, srv.URL+songPath, nil); code != 200 {
			t.Fatalf("request %d: %d", i+1, code)
		}
		srv.RevokeTokens(srv.Key().ID)
	}
	if st := srv.Stats(); st.Rejected != 1 || st.Tokens != 2 || st.LastRejection != "the token was revoked; sign a new one" {
		t.Fatalf("stats %+v; want one refusal of the revoked token and two tokens", st)
	}
}
