package asctest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// p256Public builds a public key from the base64url coordinates of a JWK.
func p256Public(x, y string) *ecdsa.PublicKey {
	xb, _ := base64.RawURLEncoding.DecodeString(x)
	yb, _ := base64.RawURLEncoding.DecodeString(y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, xb...), yb...))
	if err != nil {
		panic(err)
	}
	return pub
}

// rfc7515A3 is the ES256 example of RFC 7515, Appendix A.3: its public key
// and JWS.
var (
	rfc7515A3Key = p256Public(
		"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
		"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
	)
	rfc7515A3JWS = "eyJhbGciOiJFUzI1NiJ9" +
		".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
		".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
)

func TestRFC7515ExampleSignature(t *testing.T) {
	tok, err := Parse(rfc7515A3JWS)
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.checkSignature(rfc7515A3Key); err != nil {
		t.Fatalf("the RFC's own example does not verify: %v", err)
	}
	// Through Verify, the signature passes and Apple's rules then fail:
	// the example has no kid (and no typ, which Apple does not require).
	if _, err := Verify(rfc7515A3JWS, rfc7515A3Key, VerifyOptions{}); ruleOf(err) != RuleKeyID {
		t.Fatalf("Verify = %v; want the signature to pass and kid to fail", err)
	}

	parts := strings.Split(rfc7515A3JWS, ".")
	for name, mutate := range map[string]func() string{
		"payload byte": func() string {
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			p[8] ^= 0x01 // "joe" becomes "koe": still JSON, no longer signed
			return parts[0] + "." + b64(p) + "." + parts[2]
		},
		"signature byte": func() string {
			s, _ := base64.RawURLEncoding.DecodeString(parts[2])
			s[40] ^= 0x01
			return parts[0] + "." + parts[1] + "." + b64(s)
		},
	} {
		t.Run(name, func(t *testing.T) {
			tok, err := Parse(mutate())
			if err != nil {
				t.Fatal(err)
			}
			if err := tok.checkSignature(rfc7515A3Key); err == nil {
				t.Fatal("a changed token still verifies")
			}
		})
	}
}

// crafter signs arbitrary tokens, to break one rule at a time.
type crafter struct {
	key *ecdsa.PrivateKey
}

func (c crafter) sign(header, claims map[string]any) string {
	return jwsforge.SignJSON(c.key, header, claims)
}

// signDER signs with the ASN.1 DER signature crypto.Signer returns, which a
// JWS must not carry.
func (c crafter) signDER(header, claims map[string]any) string {
	return jwsforge.SignDER(c.key, string(mustJSON(header)), string(mustJSON(claims)))
}

// signHS256 makes the algorithm-confusion token: HMAC keyed with the
// public key's bytes, which a verifier trusting alg would accept.
func (c crafter) signHS256(header, claims map[string]any) string {
	pub, _ := x509.MarshalPKIXPublicKey(&c.key.PublicKey)
	input := b64(mustJSON(header)) + "." + b64(mustJSON(claims))
	mac := hmac.New(sha256.New, pub)
	mac.Write([]byte(input))
	return input + "." + b64(mac.Sum(nil))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestVerifyRules(t *testing.T) {
	key := apitest.NewKey(t)
	other := apitest.NewKey(t)
	c := crafter{key}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	iat := now.Add(-time.Minute).Unix()
	header := map[string]any{"alg": "ES256", "kid": "TESTKEY123", "typ": "JWT"}
	claims := map[string]any{"iss": "issuer-1", "iat": iat, "exp": iat + 20*60, "aud": "appstoreconnect-v1"}
	opts := VerifyOptions{Now: now, KeyID: "TESTKEY123", IssuerID: "issuer-1"}
	req, _ := http.NewRequest("GET", "https://api.appstoreconnect.apple.com/v1/apps?sort=name&filter[platform]=IOS&limit=5", nil)

	for _, tc := range []struct {
		name   string
		token  string
		opts   func(*VerifyOptions)
		rule   string // empty: accepted
		detail string
	}{
		{name: "valid", token: c.sign(header, claims)},
		{name: "not a JWS", token: "abc", rule: RuleFormat, detail: "three base64url parts"},
		{name: "too large", token: strings.Repeat("a", 9000) + ".b.c", rule: RuleFormat, detail: "bytes"},
		{name: "payload not JSON", token: b64(mustJSON(header)) + "." + b64([]byte("nope")) + ".AAAA", rule: RuleFormat, detail: "payload"},
		{name: "alg none", token: b64(mustJSON(with(header, "alg", "none"))) + "." + b64(mustJSON(claims)) + ".", rule: RuleAlgorithm, detail: `"none"`},
		{name: "HS256 keyed with the public key", token: c.signHS256(with(header, "alg", "HS256"), claims), rule: RuleAlgorithm, detail: `"HS256"`},
		{name: "RS256", token: c.sign(with(header, "alg", "RS256"), claims), rule: RuleAlgorithm, detail: "only ES256"},
		{name: "DER signature", token: c.signDER(header, claims), rule: RuleSignature, detail: "not ASN.1 DER"},
		{name: "other key", token: crafter{other}.sign(header, claims), rule: RuleSignature, detail: "does not verify"},
		{name: "typ missing (fastlane's tokens, 2019 to 2022)", token: c.sign(with(header, "typ", nil), claims)},
		{name: "typ other than JWT", token: c.sign(with(header, "typ", "at+jwt"), claims), rule: RuleType, detail: `"at+jwt"; want "JWT"`},
		{name: "typ null", token: c.sign(with(header, "typ", json.RawMessage("null")), claims), rule: RuleType, detail: `typ is null`},
		{name: "kid missing", token: c.sign(with(header, "kid", nil), claims), rule: RuleKeyID, detail: "missing"},
		{name: "wrong kid", token: c.sign(with(header, "kid", "OTHERKEY12"), claims), rule: RuleKeyID, detail: `"OTHERKEY12"`},
		{name: "wrong aud", token: c.sign(header, with(claims, "aud", "appstoreconnect-v2")), rule: RuleAudience, detail: `"appstoreconnect-v2"`},
		{name: "missing iss", token: c.sign(header, with(claims, "iss", nil)), rule: RuleIssuer, detail: "issuer ID"},
		{name: "wrong iss", token: c.sign(header, with(claims, "iss", "issuer-2")), rule: RuleIssuer, detail: `"issuer-2"`},
		{name: "individual with iss", token: c.sign(header, with(claims, "sub", "user")), opts: individual, rule: RuleIssuer, detail: "no iss"},
		{name: "individual", token: c.sign(header, with(claims, "iss", nil, "sub", "user")), opts: individual},
		{name: "iat missing (accepted: Apple's own Python library signs without it)", token: c.sign(header, with(claims, "iat", nil))},
		{name: "iat in the future", token: c.sign(header, with(claims, "iat", now.Add(30*time.Second).Unix(), "exp", now.Add(10*time.Minute).Unix())), rule: RuleIssuedAt, detail: "in the future"},
		{name: "exp missing", token: c.sign(header, with(claims, "exp", nil)), rule: RuleExpiry, detail: "missing"},
		{name: "expired", token: c.sign(header, with(claims, "iat", now.Add(-30*time.Minute).Unix(), "exp", now.Add(-10*time.Minute).Unix())), rule: RuleExpiry, detail: "expired"},
		{name: "lifetime 21 minutes", token: c.sign(header, with(claims, "exp", iat+21*60)), rule: RuleLifetime, detail: "20 minutes"},
		{name: "exp too far ahead (fast client clock)", token: c.sign(header, with(claims, "iat", now.Add(4*time.Second).Unix(), "exp", now.Add(20*time.Minute+4*time.Second).Unix())), rule: RuleExpiry, detail: "ahead of the server's clock"},
		{name: "60 minutes with bid", token: c.sign(header, with(claims, "bid", "com.example.app", "exp", iat+60*60))},
		{name: "61 minutes with bid", token: c.sign(header, with(claims, "bid", "com.example.app", "exp", iat+61*60)), rule: RuleLifetime, detail: "60 minutes"},
		{name: "long-lived scope", token: c.sign(header, with(claims, "scope", []string{"GET /v1/ciBuildRuns/1"}, "exp", iat+90*24*3600)), opts: noRequest},
		{name: "long-lived on a short resource", token: c.sign(header, with(claims, "scope", []string{"GET /v1/apps"}, "exp", iat+90*24*3600)), opts: noRequest, rule: RuleLifetime, detail: "20 minutes"},
		{name: "scope matches, query in any order, paging ignored", token: c.sign(header, with(claims, "scope", []string{"GET /v1/apps?filter[platform]=IOS"})), opts: withRequest(req)},
		{name: "scope mismatch", token: c.sign(header, with(claims, "scope", []string{"GET /v1/apps?filter[platform]=MAC_OS"})), opts: withRequest(req), rule: RuleScope, detail: "does not allow GET /v1/apps"},
		{name: "scope method mismatch", token: c.sign(header, with(claims, "scope", []string{"POST /v1/apps?filter[platform]=IOS"})), opts: withRequest(req), rule: RuleScope, detail: "does not allow"},
		{name: "scope malformed", token: c.sign(header, with(claims, "scope", []string{"GET"})), rule: RuleScope, detail: "METHOD /path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			if tc.opts != nil {
				tc.opts(&o)
			}
			_, err := Verify(tc.token, &key.PublicKey, o)
			wantRule(t, err, tc.rule, tc.detail)
		})
	}
}

// wantRule fails t unless err is a *RuleError for rule whose detail says
// detail; for rule "", unless err is nil.
func wantRule(t testing.TB, err error, rule, detail string) {
	t.Helper()
	if rule == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RuleError for rule %s", err, rule)
	}
	if re.Rule != rule || !strings.Contains(re.Detail, detail) {
		t.Fatalf("err = %v; want rule %s saying %q", err, rule, detail)
	}
}

// ruleOf returns the rule the *RuleError in err's chain names, or "" if
// err has none.
func ruleOf(err error) string {
	var re *RuleError
	if !errors.As(err, &re) {
		return ""
	}
	return re.Rule
}

func individual(o *VerifyOptions) { o.IssuerID, o.Individual = "", true }
func noRequest(o *VerifyOptions)  { o.Request = nil }
func withRequest(r *http.Request) func(*VerifyOptions) {
	return func(o *VerifyOptions) { o.Request = r }
}

func FuzzVerify(f *testing.F) {
	key := apitest.NewKey(f)
	c := crafter{key}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	header := map[string]any{"alg": "ES256", "kid": "TESTKEY123", "typ": "JWT"}
	claims := map[string]any{"iss": "i", "iat": now.Unix(), "exp": now.Unix() + 600, "aud": "appstoreconnect-v1", "scope": []string{"GET /v1/apps?a=b"}}
	body := fmt.Sprintf(`{"iss":"i","iat":%d,"exp":%d,"aud":"appstoreconnect-v1"}`, now.Unix(), now.Unix()+600)
	for _, seed := range []string{
		c.sign(header, claims), rfc7515A3JWS, c.signDER(header, claims), "", ".", "..", "a.b.c",
		"eyJhbGciOiJub25lIn0.e30.", b64([]byte(`{"alg":"ES256"}`)) + "." + b64([]byte(`{"iat":1e400}`)) + ".AA",
		// The shapes real clients send and lax decoders misread, signed
		// with this run's key so that the fuzzer starts past the signature.
		c.sign(header, with(claims, "aud", []string{"appstoreconnect-v1"})),
		c.sign(header, with(claims, "iat", nil)),
		c.sign(header, with(claims, "nbf", now.Unix()+3600)),
		signRaw(key, `{"ALG":"ES256","KID":"TESTKEY123","typ":"JWT"}`, body),
		signRaw(key, `{"alg":"none","alg":"ES256","kid":"TESTKEY123","typ":"JWT"}`, body),
		signRaw(key, `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT"}`, strings.Replace(body, "}", `,"exp":1}`, 1)),
		signRaw(key, `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","crit":["x"],"x":1}`, body),
		signRaw(key, `{"alg":"ES256","kid":"TESTKEY123","typ":"JWT","b64":false}`, body),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		tok, err := Verify(token, &key.PublicKey, VerifyOptions{Now: now})
		if err != nil {
			if ruleOf(err) == "" {
				t.Fatalf("error %v is not a *RuleError", err)
			}
			return
		}
		if tok.Header.Algorithm != "ES256" {
			t.Fatalf("accepted alg %q", tok.Header.Algorithm)
		}
		// An independent reading of what was accepted, by encoding/json,
		// which folds case and lets the last of two names win: whatever it
		// sees must be what Verify judged.
		parts := strings.Split(token, ".")
		var h map[string]any
		var cl map[string]any
		if err := json.Unmarshal(mustDecode(t, parts[0]), &h); err != nil {
			t.Fatalf("accepted a header encoding/json cannot read: %v", err)
		}
		if err := json.Unmarshal(mustDecode(t, parts[1]), &cl); err != nil {
			t.Fatalf("accepted a payload encoding/json cannot read: %v", err)
		}
		if typ, has := h["typ"]; h["alg"] != "ES256" || has && typ != "JWT" || h["kid"] == nil || h["crit"] != nil || h["b64"] == false {
			t.Fatalf("accepted header %v", h)
		}
		for name := range h {
			if strings.EqualFold(name, "alg") && name != "alg" {
				t.Fatalf("accepted a header with %q beside alg", name)
			}
		}
		if exp, ok := cl["exp"].(float64); !ok || int64(exp) <= now.Unix() {
			t.Fatalf("accepted claims %v", cl)
		}
	})
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatalf("accepted a part that is not strict base64url: %v", err)
	}
	return b
}
