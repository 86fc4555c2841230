package faketest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
)

// Now is the moment the developer-token fakes' rule tables and fuzz seeds
// are made at, on a clock that stands still, so that a token sits exactly
// on a rule's edge.
var Now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// DeveloperToken makes the tokens of a developer-token fake's rule table: a
// valid one of Key at Now, and ones that break, each, one of the rules that
// every such API shares (Apple's "Generating Developer Tokens" and its
// WeatherKit counterpart). A fake's own members (WeatherKit's header id and
// claim sub) go in Header and Claims, so that a token breaking a shared
// rule breaks that rule only.
type DeveloperToken struct {
	Key     fakeserver.Key // the fake's key, which signs the valid token
	Revoked fakeserver.Key // a key the fake knows and has revoked
	Now     int64          // the fake's clock reading, in Unix seconds
	Header  string         // the fake's own header members, each after a comma: `,"id":"…"`
	Claims  string         // the fake's own claim members, each after a comma: `,"sub":"…"`
}

// AccountToken stops a's clock at Now, makes a key of its team that it
// revokes, and returns the DeveloperToken of its first key: what a
// developer-token fake's rule table is made of.
func AccountToken(a *fakeserver.Account) DeveloperToken {
	a.SetClock(func() time.Time { return Now })
	revoked := a.AddKey()
	a.Revoke(revoked.ID)
	return DeveloperToken{Key: a.Key(), Revoked: revoked, Now: Now.Unix()}
}

// KeyToken returns the keys of a new team, one key so far, and the
// DeveloperToken of that key at Now: for a test of a fake's check alone,
// without its server, such as a fuzz test.
func KeyToken() (*fakeserver.Keys, DeveloperToken) {
	keys := fakeserver.NewKeys()
	return keys, DeveloperToken{Key: keys.Add(), Now: Now.Unix()}
}

// Head is the header of alg and kid, with the fake's own members.
func (d DeveloperToken) Head(alg, kid string) string {
	return fmt.Sprintf(`{"alg":%q,"kid":%q%s}`, alg, kid, d.Header)
}

// Payload is the claims of the key's team issued at iat and expiring at
// exp, with the fake's own members.
func (d DeveloperToken) Payload(iat, exp int64) string {
	return fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d%s}`, d.Key.TeamID, iat, exp, d.Claims)
}

// Object is a JSON object of members, each "name":value, and the fake's own
// claims: a payload that leaves out or respells a shared claim.
func (d DeveloperToken) Object(members ...string) string {
	return "{" + strings.Join(members, ",") + d.Claims + "}"
}

// Sign signs header and payload as given, byte for byte, with the key:
// tokens that no well-behaved library would make.
func (d DeveloperToken) Sign(header, payload string) string {
	return jwsforge.Sign(d.Key.PrivateKey, header, payload)
}

// Valid is a token that passes: the key's, issued now, for an hour.
func (d DeveloperToken) Valid() string {
	return d.Sign(d.Head("ES256", d.Key.ID), d.Payload(d.Now, d.Now+3600))
}

// Refusal is a request a fake answers with a bare 401, and the words of the
// rule it breaks, which Stats.LastRejection holds.
type Refusal struct {
	Name   string
	Header http.Header
	Rule   string
}

// BrokenRules are requests that break one shared rule each: of the
// Authorization header, of the compact JWS, of the header and signature,
// and of iss, iat and exp.
func (d DeveloperToken) BrokenRules() []Refusal {
	now, k := d.Now, d.Key
	head, good := d.Head("ES256", k.ID), d.Payload(d.Now, d.Now+3600)
	valid := d.Sign(head, good)
	parts := strings.Split(valid, ".")
	// header is a header with the members given before the fake's own.
	header := func(members string) string { return "{" + members + d.Header + "}" }
	signed := func(header, payload string) http.Header { return Bearer(d.Sign(header, payload)) }
	kid := fmt.Sprintf(`"kid":%q`, k.ID)
	iss := fmt.Sprintf(`"iss":%q`, k.TeamID)
	iat, exp := fmt.Sprintf(`"iat":%d`, now), fmt.Sprintf(`"exp":%d`, now+60)
	return []Refusal{
		{"no Authorization", nil, "no Authorization header"},
		{"not Bearer", http.Header{"Authorization": {"Basic " + valid}}, "Bearer"},
		{"bearer in lower case", http.Header{"Authorization": {"bearer" + valid}}, "Bearer"},
		{"two Authorization headers", http.Header{"Authorization": {"Bearer " + valid, "Bearer " + valid}}, "more than one"},
		{"two parts", Bearer(parts[0] + "." + parts[1]), "2 parts"},
		{"four parts", Bearer(valid + ".x"), "4 parts"},
		{"padded base64", Bearer(parts[0] + "=." + parts[1] + "." + parts[2]), "base64url"},
		{"padding in base64", Bearer(parts[0] + "==." + parts[1] + "." + parts[2]), "base64url"},
		{"alg HS256", signed(d.Head("HS256", k.ID), good), "alg is not ES256"},
		{"alg ES384", signed(d.Head("ES384", k.ID), good), "alg is not ES256"},
		{"alg none", signed(d.Head("none", k.ID), good), "alg is not ES256"},
		{"no kid", signed(header(`"alg":"ES256"`), good), "no kid"},
		{"unknown kid", signed(d.Head("ES256", "ZZZZZZZZZZ"), good), "names no key"},
		{"revoked key", Bearer(jwsforge.Sign(d.Revoked.PrivateKey, d.Head("ES256", d.Revoked.ID), good)), "revoked"},
		{"typ not JWT", signed(header(`"alg":"ES256",`+kid+`,"typ":"at+jwt"`), good), "typ"},
		{"crit in header", signed(header(`"alg":"ES256",`+kid+`,"crit":["exp"]`), good), `"crit"`},
		{"x5u in header", signed(header(`"alg":"ES256",`+kid+`,"x5u":"https://a.example"`), good), `"x5u"`},
		{"kid twice", signed(header(`"alg":"ES256",`+kid+`,`+kid), good), "twice"},
		{"signed by another key", Bearer(jwsforge.Sign(fakeserver.NewKey(), head, good)), "does not verify"},
		{"signature cut short", Bearer(parts[0] + "." + parts[1] + "." + parts[2][:40]), "bytes"},
		{"payload changed after signing", Bearer(parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(d.Payload(now, now+7200))) + "." + parts[2]), "does not verify"},
		{"no iss", signed(head, d.Object(iat, exp)), "iss"},
		{"iss of another team", signed(head, d.Object(`"iss":"ZZZZZZZZZZ"`, iat, exp)), "not the Team ID"},
		{"no iat", signed(head, d.Object(iss, exp)), "iat is missing"},
		{"iat as a string", signed(head, d.Object(iss, fmt.Sprintf(`"iat":"%d"`, now), exp)), "iat is not an integer"},
		{"iat a float", signed(head, d.Object(iss, fmt.Sprintf(`"iat":%d.5`, now), exp)), "iat is not an integer"},
		{"iat in the future", signed(head, d.Payload(now+120, now+3600)), "future"},
		{"no exp", signed(head, d.Object(iss, iat)), "exp is missing"},
		{"expired", signed(head, d.Payload(now-7200, now)), "expired"},
		{"expired a second ago", signed(head, d.Payload(now-7200, now-1)), "expired"},
		{"exp before iat", signed(head, d.Payload(now+30, now+10)), "not after iat"},
	}
}

// Passing are requests on the shared rules' edges, which pass: the valid
// token, typ JWT first or last, and iat a minute ahead (Apple's leeway).
func (d DeveloperToken) Passing() map[string]http.Header {
	head, good := d.Head("ES256", d.Key.ID), d.Payload(d.Now, d.Now+3600)
	kid := fmt.Sprintf(`"kid":%q`, d.Key.ID)
	return map[string]http.Header{
		"valid":           Bearer(d.Valid()),
		"typ JWT":         Bearer(d.Sign(`{"typ":"JWT","alg":"ES256",`+kid+d.Header+`}`, good)),
		"typ JWT last":    Bearer(d.Sign(`{"alg":"ES256",`+kid+d.Header+`,"typ":"JWT"}`, good)),
		"iat a minute on": Bearer(d.Sign(head, d.Payload(d.Now+60, d.Now+3600))),
	}
}

// ExpectRules sends each refusal and each passing request to url through
// client, checking that the fake answers the refusals with a bare 401
// naming their rule (ExpectBare401) and lets the others through (ExpectOK).
func ExpectRules(t testing.TB, client *http.Client, url string, stats func() fakeserver.Stats, refused []Refusal, passing map[string]http.Header) {
	t.Helper()
	for _, r := range refused {
		ExpectBare401(t, r.Name, client, url, r.Header, stats, r.Rule)
	}
	for name, h := range passing {
		ExpectOK(t, name, client, url, h, stats)
	}
}
