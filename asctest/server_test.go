package asctest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

func TestServerRejectsEachRuleWithApplesError(t *testing.T) {
	srv := newServer(t)
	now := frozen(srv)
	k := srv.Key()
	c := crafter{k.PrivateKey}
	iat := now.Add(-time.Minute).Unix()
	header := map[string]any{"alg": "ES256", "kid": k.ID, "typ": "JWT"}
	claims := map[string]any{"iss": k.IssuerID, "iat": iat, "exp": iat + 20*60, "aud": "appstoreconnect-v1"}

	for _, tc := range []struct {
		name, auth, detail string
	}{
		{"no header", "", "no Authorization header"},
		{"not bearer", "Basic dXNlcjpwYXNz", "not \"Bearer <token>\""},
		{"alg none", "Bearer " + b64(mustJSON(with(header, "alg", "none"))) + "." + b64(mustJSON(claims)) + ".", `alg: header alg is "none"`},
		{"HS256 with the public key", "Bearer " + c.signHS256(with(header, "alg", "HS256"), claims), `alg: header alg is "HS256"`},
		{"unknown kid", "Bearer " + c.sign(with(header, "kid", "NOSUCHKEY1"), claims), `kid: header kid "NOSUCHKEY1" names no key`},
		{"DER signature", "Bearer " + c.signDER(header, claims), "signature: the signature is"},
		{"expired", "Bearer " + c.sign(header, with(claims, "iat", iat-3600, "exp", iat-1800)), "exp: the token expired"},
		{"iat in the future", "Bearer " + c.sign(header, with(claims, "iat", now.Unix()+120, "exp", now.Unix()+600)), "iat: iat is 2m0s in the future"},
		{"lifetime 21 minutes", "Bearer " + c.sign(header, with(claims, "exp", iat+21*60)), "lifetime: exp - iat is 21m0s"},
		{"wrong aud", "Bearer " + c.sign(header, with(claims, "aud", "nope")), `aud: aud is "nope"`},
		{"missing iss", "Bearer " + c.sign(header, with(claims, "iss", nil)), "iss: iss is \"\""},
		{"scope mismatch", "Bearer " + c.sign(header, with(claims, "scope", []string{"GET /v1/builds"})), "scope: the token's scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, errs, _ := get(t, srv, "/v1/apps", tc.auth)
			if status != http.StatusUnauthorized || len(errs) != 1 {
				t.Fatalf("status %d, errors %v; want one 401 error", status, errs)
			}
			e := errs[0]
			if e.Status != "401" || e.Code != "NOT_AUTHORIZED" || e.Title != "Authentication credentials are missing or invalid." {
				t.Errorf("error %+v is not Apple's NOT_AUTHORIZED", e)
			}
			if !strings.Contains(e.Detail, tc.detail) {
				t.Errorf("detail %q does not say %q", e.Detail, tc.detail)
			}
			if last := srv.Stats().LastRejection; !strings.Contains(last, tc.detail) {
				t.Errorf("LastRejection = %q, want %q", last, tc.detail)
			}
		})
	}
	if status, _, _ := get(t, srv, "/v1/apps", "Bearer "+c.sign(header, claims)); status != 200 {
		t.Fatalf("a valid token got %d", status)
	}
	if st := srv.Stats(); st.Accepted != 1 || st.Rejected != 12 {
		t.Errorf("stats = %+v, want 1 accepted, 12 rejected", st)
	}
}

func TestServerWithTokenSource(t *testing.T) {
	srv := newServer(t)
	client := newClient(t, srv)
	apitest.GetConcurrently(t, client, srv.URL+"/v1/apps", 50)
	if st := srv.Stats(); st.Accepted != 50 || st.Tokens != 1 {
		t.Errorf("stats = %+v, want 50 accepted with one token", st)
	}

	// The clock the source shares with the server: after 20 minutes the
	// token is replaced, and the server accepts the new one.
	srv.Advance(20 * time.Minute)
	if status := apitest.StatusOf(t, client, srv.URL+"/v1/apps/1000000001"); status != 200 || srv.Stats().Tokens != 2 {
		t.Errorf("after 20 minutes: status %d, stats %+v; want 200 with a second token", status, srv.Stats())
	}
}

func TestServerKeys(t *testing.T) {
	srv := newServer(t)
	tokenFor := func(k Key) string { return bearerOf(t, apitest.Must(t, ascjwt.NewTokenSource, srv.ConfigFor(k))) }
	team2, individual := srv.AddKey(), srv.AddIndividualKey()
	if team2.IssuerID != srv.IssuerID() || individual.IssuerID != "" || team2.ID == srv.Key().ID {
		t.Fatalf("keys: %+v, %+v", team2, individual)
	}
	first := tokenFor(srv.Key())
	for name, auth := range map[string]string{"first": first, "second team key": tokenFor(team2), "individual": tokenFor(individual)} {
		if status, errs, _ := get(t, srv, "/v1/apps", auth); status != 200 {
			t.Errorf("%s key: %d %v", name, status, errs)
		}
	}
	srv.Revoke(srv.Key().ID)
	if status, errs, _ := get(t, srv, "/v1/apps", first); status != 401 || !strings.Contains(errs[0].Detail, "revoked") {
		t.Errorf("revoked key: %d %v", status, errs)
	}

	// A restarted server (a new one) knows none of the old keys.
	other := NewServer()
	defer other.Close()
	if status, errs, _ := get(t, other, "/v1/apps", tokenFor(team2)); status != 401 || !strings.Contains(errs[0].Detail, "names no key") {
		t.Errorf("token from another server: %d %v", status, errs)
	}
}

func TestServerRateLimit(t *testing.T) {
	srv := newServer(t)
	srv.SetRateLimit(3)
	auth := bearer(t, srv)
	for i, want := range []string{"user-hour-lim:3;user-hour-rem:2;", "user-hour-lim:3;user-hour-rem:1;", "user-hour-lim:3;user-hour-rem:0;"} {
		if status, _, header := get(t, srv, "/v1/apps", auth); status != 200 || header != want {
			t.Fatalf("request %d: %d, X-Rate-Limit %q; want 200, %q", i+1, status, header, want)
		}
	}
	status, errs, _ := get(t, srv, "/v1/apps", auth)
	if status != http.StatusTooManyRequests || len(errs) != 1 || errs[0].Code != "RATE_LIMIT_EXCEEDED" || errs[0].Status != "429" {
		t.Fatalf("past the limit: %d %v; want 429 RATE_LIMIT_EXCEEDED", status, errs)
	}
	srv.Advance(time.Hour)
	if status, _, header := get(t, srv, "/v1/apps", bearer(t, srv)); status != 200 || header != "user-hour-lim:3;user-hour-rem:2;" {
		t.Fatalf("an hour later: %d %q", status, header)
	}
	if st := srv.Stats(); st.RateLimited != 1 || st.Accepted != 4 {
		t.Errorf("stats = %+v", st)
	}
}

func TestServerPaginationAndRoutes(t *testing.T) {
	srv := newServer(t)
	var userRouteCalls atomic.Int32
	srv.Handle("GET /v1/builds/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userRouteCalls.Add(1)
		fmt.Fprintf(w, `{"data":{"type":"builds","id":%q}}`, r.PathValue("id"))
	}))
	client := newClient(t, srv)

	var ids []string
	next := srv.URL + "/v1/apps?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		resp, err := client.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data  []struct{ ID string }
			Links struct{ Next string }
		}
		json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		for _, d := range page.Data {
			ids = append(ids, d.ID)
		}
		next = page.Links.Next
	}
	if len(ids) != appCount || ids[0] != "1000000001" || ids[appCount-1] != "1000000005" {
		t.Errorf("paged through %v, want %d apps in order", ids, appCount)
	}

	resp, err := client.Get(srv.URL + "/v1/builds/42")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"42"`) || userRouteCalls.Load() != 1 {
		t.Errorf("user route: %d %s", resp.StatusCode, body)
	}
	if status, _, _ := get(t, srv, "/v1/builds/42", ""); status != 401 || userRouteCalls.Load() != 1 {
		t.Errorf("user route reached without a token: %d, %d calls", status, userRouteCalls.Load())
	}
	resp, _ = client.Get(srv.URL + "/v1/nothing")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: %d, want 404", resp.StatusCode)
	}
}
