package asctest

import (
	"crypto/ecdsa"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
)

// signRaw signs a header and payload given as raw JSON text, so that a test
// can write what no JSON encoder would: repeated names, names in capitals,
// bytes that are not UTF-8. The signature is made with crypto/ecdsa, not by
// package ascjwt.
func signRaw(key *ecdsa.PrivateKey, header, payload string) string {
	return jwsforge.Sign(key, header, payload)
}

// TestVerifyReadsTokensAsAppleDoes covers what asctest accepts and refuses
// of the shapes real clients send (aud arrays, no iat) and of what a lax
// decoder would misread, each rule in both directions, with hand-written
// JSON.
func TestVerifyReadsTokensAsAppleDoes(t *testing.T) {
	key := apitest.NewKey(t)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	n := now.Unix()
	iat := n - 60
	const hdr = `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT"}`
	claims := func(extra string) string {
		return fmt.Sprintf(`{"iss":"issuer-1","iat":%d,"exp":%d,"aud":"appstoreconnect-v1"%s}`, iat, iat+20*60, extra)
	}
	// noIat writes claims without iat, exp seconds after now.
	noIat := func(exp int64, extra string) string {
		return fmt.Sprintf(`{"iss":"issuer-1","exp":%d,"aud":"appstoreconnect-v1"%s}`, n+exp, extra)
	}
	audClaims := func(aud string) string {
		return fmt.Sprintf(`{"iss":"issuer-1","iat":%d,"exp":%d,"aud":%s}`, iat, iat+20*60, aud)
	}
	opts := VerifyOptions{Now: now, KeyID: "TESTKEY123", IssuerID: "issuer-1"}

	for _, tc := range []struct {
		name            string
		header, payload string
		rule            string // empty: accepted
		detail          string
	}{
		// aud: a string, or an array holding the audience.
		{name: "aud string", header: hdr, payload: audClaims(`"appstoreconnect-v1"`)},
		{name: "aud array of one (asc-go)", header: hdr, payload: audClaims(`["appstoreconnect-v1"]`)},
		{name: "aud array holding it among others", header: hdr, payload: audClaims(`["other","appstoreconnect-v1"]`)},
		{name: "aud array without it", header: hdr, payload: audClaims(`["appstoreconnect-v2"]`), rule: RuleAudience, detail: `"appstoreconnect-v2"`},
		{name: "aud array of two without it", header: hdr, payload: audClaims(`["a","b"]`), rule: RuleAudience, detail: "list of 2 audiences"},
		{name: "aud empty array", header: hdr, payload: audClaims(`[]`), rule: RuleAudience, detail: "no audience"},
		{name: "aud array of numbers", header: hdr, payload: audClaims(`[1]`), rule: RuleFormat, detail: "aud"},
		{name: "aud number", header: hdr, payload: audClaims(`1`), rule: RuleFormat, detail: "aud"},

		// No iat: the lifetime is exp against the server's clock, plus leeway.
		{name: "no iat, exp 20 minutes ahead", header: hdr, payload: noIat(20*60, "")},
		{name: "no iat, exp 20 minutes and the 5 s leeway ahead", header: hdr, payload: noIat(20*60+5, "")},
		{name: "no iat, exp 20 minutes and 6 s ahead", header: hdr, payload: noIat(20*60+6, ""), rule: RuleLifetime, detail: "no iat"},
		{name: "no iat, bid, 60 minutes", header: hdr, payload: noIat(60*60, `,"bid":"com.example.app"`)},
		{name: "no iat, bid, 61 minutes", header: hdr, payload: noIat(61*60, `,"bid":"com.example.app"`), rule: RuleLifetime, detail: "60 minutes"},
		{name: "no iat, long-lived scope, 180 days", header: hdr, payload: noIat(180*24*3600, `,"scope":["GET /v1/ciBuildRuns"]`)},
		{name: "no iat, bid and long-lived scope, 180 days", header: hdr, payload: noIat(180*24*3600, `,"bid":"com.example.app","scope":["GET /v1/ciBuildRuns"]`), rule: RuleLifetime, detail: "60 minutes"},
		{name: "no iat, expired", header: hdr, payload: noIat(-1, ""), rule: RuleExpiry, detail: "expired"},
		{name: "no iat, no exp", header: hdr, payload: `{"iss":"issuer-1","aud":"appstoreconnect-v1"}`, rule: RuleExpiry, detail: "missing"},

		// Names are read with their exact case.
		{name: "lower-case names", header: hdr, payload: claims("")},
		{name: "ALG and KID in capitals", header: `{"ALG":"ES256","KID":"TESTKEY123","typ":"JWT"}`, payload: claims(""), rule: RuleAlgorithm, detail: `missing (it has "ALG"`},
		{name: "KID in capitals", header: `{"alg":"ES256","KID":"TESTKEY123","typ":"JWT"}`, payload: claims(""), rule: RuleKeyID, detail: `missing (it has "KID"`},
		{name: "Typ capitalised", header: `{"alg":"ES256","kid":"TESTKEY123","Typ":"JWT"}`, payload: claims(""), rule: RuleType, detail: `missing (it has "Typ"`},
		{name: "EXP in capitals", header: hdr, payload: fmt.Sprintf(`{"iss":"issuer-1","iat":%d,"EXP":%d,"aud":"appstoreconnect-v1"}`, iat, iat+600), rule: RuleExpiry, detail: `"EXP"`},
		{name: "AUD in capitals", header: hdr, payload: fmt.Sprintf(`{"iss":"issuer-1","iat":%d,"exp":%d,"AUD":"appstoreconnect-v1"}`, iat, iat+600), rule: RuleAudience, detail: `"AUD"`},
		{name: "ISS in capitals", header: hdr, payload: fmt.Sprintf(`{"ISS":"issuer-1","iat":%d,"exp":%d,"aud":"appstoreconnect-v1"}`, iat, iat+600), rule: RuleIssuer, detail: `iss is ""`},

		// Each name once.
		{name: "alg none then ES256", header: `{"alg":"none","alg":"ES256","kid":"TESTKEY123","typ":"JWT"}`, payload: claims(""), rule: RuleDuplicate, detail: `header has the name "alg" twice`},
		{name: "alg ES256 twice", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","alg":"ES256"}`, payload: claims(""), rule: RuleDuplicate, detail: `"alg" twice`},
		{name: "alg twice, once escaped", header: `{"alg":"ES256","\u0061lg":"none","kid":"TESTKEY123","typ":"JWT"}`, payload: claims(""), rule: RuleDuplicate, detail: `"alg" twice`},
		{name: "exp twice", header: hdr, payload: claims(fmt.Sprintf(`,"exp":%d`, iat+180*24*3600)), rule: RuleDuplicate, detail: `payload has the name "exp" twice`},
		{name: "same name in two cases is two names", header: hdr, payload: claims(`,"Exp":1`)},
		{name: "a repeated name inside an unknown claim is its own business", header: hdr, payload: claims(`,"x":{"a":1,"a":2}`)},

		// crit: no extension is understood.
		{name: "crit with an extension", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","crit":["exp"],"exp":1}`, payload: claims(""), rule: RuleCritical, detail: `lists "exp", an extension this server does not understand`},
		{name: "crit empty", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","crit":[]}`, payload: claims(""), rule: RuleCritical, detail: "empty"},
		{name: "crit naming alg", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","crit":["alg"]}`, payload: claims(""), rule: RuleCritical, detail: "JWS standard itself"},
		{name: "crit not a list", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","crit":"exp"}`, payload: claims(""), rule: RuleFormat, detail: "crit"},
		{name: "crit null", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","crit":null}`, payload: claims(""), rule: RuleCritical, detail: "empty or null"},
		{name: "an unknown header parameter outside crit", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","x-note":"ok"}`, payload: claims("")},

		// b64.
		{name: "b64 false", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","b64":false,"crit":["b64"]}`, payload: claims(""), rule: RuleUnencoded, detail: "b64 is false"},
		{name: "b64 false without crit", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","b64":false}`, payload: claims(""), rule: RuleUnencoded, detail: "unencoded payload"},
		{name: "b64 true, the default", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","b64":true}`, payload: claims("")},
		{name: "b64 a string", header: `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","b64":"false"}`, payload: claims(""), rule: RuleFormat, detail: "b64"},

		// nbf: not in the future, with the iat leeway.
		{name: "nbf now", header: hdr, payload: claims(fmt.Sprintf(`,"nbf":%d`, n))},
		{name: "nbf in the past", header: hdr, payload: claims(fmt.Sprintf(`,"nbf":%d`, iat))},
		{name: "nbf 5 s ahead (leeway)", header: hdr, payload: claims(fmt.Sprintf(`,"nbf":%d`, n+5))},
		{name: "nbf 6 s ahead", header: hdr, payload: claims(fmt.Sprintf(`,"nbf":%d`, n+6)), rule: RuleNotBefore, detail: "6s in the future"},
		{name: "nbf an hour ahead", header: hdr, payload: claims(fmt.Sprintf(`,"nbf":%d`, n+3600)), rule: RuleNotBefore, detail: "not valid yet"},
		{name: "nbf a string", header: hdr, payload: claims(`,"nbf":"soon"`), rule: RuleFormat, detail: "nbf"},

		// The format, strictly.
		{name: "payload not UTF-8", header: hdr, payload: claims(`,"x":"` + "\xff" + `"`), rule: RuleFormat, detail: "UTF-8"},
		{name: "data after the object", header: hdr, payload: claims("") + `{}`, rule: RuleFormat, detail: "after its JSON object"},
		{name: "header an array", header: `["alg","ES256"]`, payload: claims(""), rule: RuleFormat, detail: "header is not the JSON object"},
		// A fraction is a NumericDate too (RFC 7519 section 2), and what
		// Apple's Swift library sends: issue 21 turned this row around.
		{name: "iat a fraction", header: hdr, payload: fmt.Sprintf(`{"iss":"issuer-1","iat":%d.5,"exp":%d,"aud":"appstoreconnect-v1"}`, iat, iat+600)},
		{name: "iat a string", header: hdr, payload: fmt.Sprintf(`{"iss":"issuer-1","iat":"%d","exp":%d,"aud":"appstoreconnect-v1"}`, iat, iat+600), rule: RuleFormat, detail: "iat is not a time in Unix seconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := Verify(signRaw(key, tc.header, tc.payload), &key.PublicKey, opts)
			wantRule(t, err, tc.rule, tc.detail)
			if tc.rule == "" && tok.Header.Algorithm != "ES256" {
				t.Fatalf("accepted alg %q", tok.Header.Algorithm)
			}
		})
	}
}

func TestClaimsRepresentEveryAudienceForm(t *testing.T) {
	key := apitest.NewKey(t)
	for _, tc := range []struct {
		aud      string
		audience string
		list     []string
	}{
		{`"appstoreconnect-v1"`, "appstoreconnect-v1", []string{"appstoreconnect-v1"}},
		{`["appstoreconnect-v1"]`, "appstoreconnect-v1", []string{"appstoreconnect-v1"}},
		{`["x","appstoreconnect-v1"]`, "", []string{"x", "appstoreconnect-v1"}},
		{`null`, "", nil},
	} {
		tok, err := Parse(signRaw(key, `{"alg":"ES256"}`, `{"aud":`+tc.aud+`}`))
		if err != nil {
			t.Fatalf("aud %s: %v", tc.aud, err)
		}
		if tok.Claims.Audience != tc.audience || !slices.Equal(tok.Claims.Audiences, tc.list) {
			t.Errorf("aud %s: Audience %q, Audiences %q; want %q, %q", tc.aud, tok.Claims.Audience, tok.Claims.Audiences, tc.audience, tc.list)
		}
	}
}

// TestParseRefusesEveryOtherSpellingOfAToken changes a token's text without
// changing what it decodes to under a lax decoder: each spelling is refused,
// so no verifier state keyed by the text can be dodged.
func TestParseRefusesEveryOtherSpellingOfAToken(t *testing.T) {
	key := apitest.NewKey(t)
	// The standard-alphabet spelling needs a '-' or '_' to change, and a
	// random signature lacks both one time in fifteen: sign until it has one.
	var tok string
	for range 1000 {
		if tok = signRaw(key, `{"alg":"ES256","kid":"K","typ":"JWT"}`, `{"iss":"i","exp":1,"aud":"appstoreconnect-v1"}`); strings.ContainsAny(tok, "-_") {
			break
		}
	}
	if _, err := Parse(tok); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	for name, variant := range map[string]string{
		"spare bit of the signature's last character": parts[0] + "." + parts[1] + "." + flipSpareBit(parts[2]),
		"line break in the signature":                 parts[0] + "." + parts[1] + "." + parts[2][:10] + "\n" + parts[2][10:],
		"carriage return in the payload":              parts[0] + "." + parts[1][:4] + "\r" + parts[1][4:] + "." + parts[2],
		"padding on the signature":                    tok + "==",
		"standard alphabet":                           strings.NewReplacer("-", "+", "_", "/").Replace(tok),
	} {
		if variant == tok {
			t.Fatalf("%s: no change (fix the test)", name)
		}
		if _, err := Parse(variant); ruleOf(err) != RuleFormat {
			t.Errorf("%s: Parse = %v; want a format refusal", name, err)
		}
	}
}

// flipSpareBit changes the last character of an unpadded base64url string in
// a bit that encodes nothing (a 64-byte signature is 86 characters, 516 bits
// for 512), so that a lax decoder returns the same bytes.
func flipSpareBit(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[last^1])
}
