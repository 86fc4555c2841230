package asctest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// agreementLifetimes are the lifetimes the agreement fuzz tries: each of
// Apple's limits, and one second over it.
var agreementLifetimes = []time.Duration{
	20 * time.Minute, 20*time.Minute + time.Second,
	60 * time.Minute, 60*time.Minute + time.Second,
	180 * 24 * time.Hour, 180*24*time.Hour + time.Second,
}

// FuzzScopeAgreement checks that the token source and the verifier agree on
// every scope entry: one that [ascjwt.NewTokenSource] accepts, with a
// lifetime, gives a token that [Verify] accepts, carrying the entry
// and the lifetime unchanged (and, when the entry reads as a URL, allowing the
// request it names); one it refuses, a token signed here by hand with the
// same entry and lifetime is refused by Verify, for the same reason.
func FuzzScopeAgreement(f *testing.F) {
	key := apitest.NewKey(f)
	const keyID, issuer = "TESTKEY123", "57246542-96fe-1a63-e053-0824d011072a"
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	opts := VerifyOptions{Now: now, KeyID: keyID, IssuerID: issuer}
	for _, seed := range []struct {
		scope  string
		bundle bool
		which  uint8
	}{
		{"GET /v1/apps", false, 0},
		{"GET /v1/apps", false, 1},
		{"GET /v1/apps?filter[platform]=IOS&limit=5", true, 2},
		{"GET /v1/ciBuildRuns", false, 4},
		{"GET /v1/ciBuildRuns", false, 5},
		{"GET /v1/ciBuildRuns/1/actions", true, 4},
		{"GET /v1/ciProducts/../users", false, 4},
		{"GET /v1/ciProducts/%2E%2e/users", false, 4},
		{"GET /v1/ciBuildRuns/1%2F..%2F..%2Fusers", false, 4},
		{"GET /v1/apps#x", false, 0},
		{"GET /v1/apps?filter[name]=\xff", false, 0},
		{"get /v1/apps", false, 0},
		{"POST /v1/ciBuildRuns", false, 4},
		{"GET /v1/apps?filter[name]=a b&x=<&>", false, 0},
		{"", false, 0},
	} {
		f.Add(seed.scope, seed.bundle, seed.which)
	}
	f.Fuzz(func(t *testing.T, scope string, bundle bool, which uint8) {
		lifetime := agreementLifetimes[int(which)%len(agreementLifetimes)]
		cfg := ascjwt.Config{KeyID: keyID, IssuerID: issuer, PrivateKey: key, Scope: []string{scope}, Lifetime: lifetime, Now: func() time.Time { return now }}
		bid := ""
		if bundle {
			cfg.BundleID = "com.example.app"
			bid = `,"bid":"com.example.app"`
		}
		src, srcErr := ascjwt.NewTokenSource(cfg)
		if srcErr == nil {
			tok, err := src.Token(context.Background())
			if err != nil {
				t.Fatalf("NewTokenSource accepted the entry, then Token failed: %v", err)
			}
			parsed, err := Verify(tok.Value, &key.PublicKey, opts)
			if err != nil {
				t.Fatalf("NewTokenSource accepted %q for %s; Verify refused its token: %v", scope, lifetime, err)
			}
			if got := time.Duration(parsed.Claims.Expiry-parsed.Claims.IssuedAt) * time.Second; got != lifetime {
				t.Fatalf("token lives %s, want %s", got, lifetime)
			}
			if len(parsed.Claims.Scope) != 1 || parsed.Claims.Scope[0] != scope {
				t.Fatalf("token carries scope %q, want [%q]", parsed.Claims.Scope, scope)
			}
			// An accepted entry can be matched: the request it spells out
			// passes, if net/http can send it at all.
			method, target, _ := strings.Cut(scope, " ")
			if req, err := http.NewRequest(method, "https://api.appstoreconnect.apple.com"+target, nil); err == nil {
				o := opts
				o.Request = req
				if _, err := Verify(tok.Value, &key.PublicKey, o); err != nil {
					t.Fatalf("the token for %q does not allow the request it names: %v", scope, err)
				}
			}
			return
		}
		// Refused: a token carrying the entry anyway, made by hand with
		// ascjwt's backdating, must be refused too, and for that reason.
		iat := now.Add(-time.Minute).Unix()
		payload := fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"aud":"appstoreconnect-v1","scope":[%s]%s}`,
			issuer, iat, iat+int64(lifetime/time.Second), rawJSONString(scope), bid)
		_, err := Verify(signRaw(key, fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"}`, keyID), payload), &key.PublicKey, opts)
		rule := ruleOf(err)
		if rule == "" {
			t.Fatalf("NewTokenSource refused %q for %s (%v); Verify: %v", scope, lifetime, srcErr, err)
		}
		switch {
		case strings.Contains(srcErr.Error(), "Config.Scope"):
			// Invalid UTF-8 cannot reach the claims: the payload is not UTF-8.
			if rule != RuleScope && rule != RuleFormat {
				t.Fatalf("NewTokenSource refused the scope %q (%v); Verify refused rule %s", scope, srcErr, rule)
			}
		case strings.Contains(srcErr.Error(), "Config.Lifetime"):
			if rule != RuleLifetime {
				t.Fatalf("NewTokenSource refused %s for %q (%v); Verify refused rule %s: %v", lifetime, scope, srcErr, rule, err)
			}
		default:
			t.Fatalf("NewTokenSource refused for another reason: %v", srcErr)
		}
	})
}

// rawJSONString writes s as a JSON string with only the escapes JSON
// requires, leaving any other byte as it is (invalid UTF-8 included), which
// json.Marshal would replace.
func rawJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
