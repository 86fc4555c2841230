package signinwithapple_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// TestFakeIdentityTokensVerify: what the fake issues for a sign-in verifies,
// and each of Apple's claims comes out as Apple's "Authenticating users
// with Sign in with Apple" describes it, with email_verified and
// is_private_email read alike as the strings Apple long sent and as
// booleans.
func TestFakeIdentityTokensVerify(t *testing.T) {
	for _, booleans := range []bool{false, true} {
		t.Run(fmt.Sprintf("booleans=%t", booleans), func(t *testing.T) {
			srv, v := newFake(t)
			a := signinwithappletest.Authorization{Email: "x7@privaterelay.appleid.com", IsPrivateEmail: true, Nonce: "n-0123456789",
				RealUserStatus: 2, TransferSubject: "000999.old.0001", BooleanFlags: booleans}
			_, idToken := srv.Authorize(a)
			if raw := payloadOf(t, idToken); booleans != strings.Contains(raw, `"email_verified":true`) || booleans == strings.Contains(raw, `"email_verified":"true"`) {
				t.Fatalf("the fake's email_verified is not in the form asked for: %s", raw)
			}
			id, err := v.VerifyIDToken(bg, idToken, signinwithapple.VerifyOptions{Nonce: "n-0123456789"})
			if err != nil {
				t.Fatal(err)
			}
			now := srv.Now()
			want := signinwithapple.IDToken{
				Subject: srv.Subject(), Email: a.Email, Nonce: a.Nonce, TransferSubject: a.TransferSubject, Audience: srv.ClientID(),
				EmailVerified: true, IsPrivateEmail: true, NonceSupported: true, RealUserStatus: 2,
				IssuedAt: now, Expiry: now.Add(signinwithappletest.IDTokenLifetime), AuthTime: now,
			}
			got := *id
			got.Raw = nil
			if !got.IssuedAt.Equal(want.IssuedAt) || !got.Expiry.Equal(want.Expiry) || !got.AuthTime.Equal(want.AuthTime) {
				t.Errorf("times %v %v %v, want %v %v %v", got.IssuedAt, got.Expiry, got.AuthTime, want.IssuedAt, want.Expiry, want.AuthTime)
			}
			got.IssuedAt, got.Expiry, got.AuthTime = want.IssuedAt, want.Expiry, want.AuthTime
			if fmt.Sprintf("%#v", []any{got.Subject, got.Email, got.Nonce, got.TransferSubject, got.Audience, got.EmailVerified, got.IsPrivateEmail, got.NonceSupported, got.RealUserStatus}) !=
				fmt.Sprintf("%#v", []any{want.Subject, want.Email, want.Nonce, want.TransferSubject, want.Audience, want.EmailVerified, want.IsPrivateEmail, want.NonceSupported, want.RealUserStatus}) {
				t.Errorf("decoded %+v\nwant     %+v", got, want)
			}
			if string(id.Raw) != payloadOf(t, idToken) {
				t.Errorf("Raw is not the payload as signed")
			}
		})
	}
}

// TestEmailVerifiedInBothForms: Apple's flags arrive as JSON booleans or as
// the strings "true" and "false" ("A String or Boolean value"), and both
// decode; anything else is refused rather than read as false.
func TestEmailVerifiedInBothForms(t *testing.T) {
	srv, v := newFake(t)
	for _, tc := range []struct {
		value any
		want  bool
		ok    bool
	}{{true, true, true}, {"true", true, true}, {false, false, true}, {"false", false, true}, {nil, false, false}, {"TRUE", false, false}, {1, false, false}, {"yes", false, false}} {
		c := appleClaims(srv.ClientID(), srv.Now())
		c["email"], c["email_verified"], c["is_private_email"] = "a@example.com", tc.value, tc.value
		id, err := v.VerifyIDToken(bg, srv.Sign(c), signinwithapple.VerifyOptions{})
		switch {
		case tc.ok && err != nil:
			t.Errorf("email_verified %#v: %v", tc.value, err)
		case tc.ok && (id.EmailVerified != tc.want || id.IsPrivateEmail != tc.want):
			t.Errorf("email_verified %#v read as %t, %t", tc.value, id.EmailVerified, id.IsPrivateEmail)
		case !tc.ok && (!errors.Is(err, signinwithapple.ErrInvalidToken) || !strings.Contains(err.Error(), "email_verified")):
			t.Errorf("email_verified %#v: %v, want a refusal naming email_verified", tc.value, err)
		}
	}
	// Absent reads as false.
	id, err := v.VerifyIDToken(bg, srv.Sign(appleClaims(srv.ClientID(), srv.Now())), signinwithapple.VerifyOptions{})
	if err != nil || id.EmailVerified || id.IsPrivateEmail || id.Email != "" {
		t.Errorf("no email claims: %+v %v", id, err)
	}
}

// TestVerifyRefusesEachBrokenClaim: every claim rule of Apple's "Verifying a
// user" broken once, in a token the fake signs with its real key, is
// refused with ErrInvalidToken and an error that names the rule and never
// quotes the token; the edges of the minute of leeway pass.
func TestVerifyRefusesEachBrokenClaim(t *testing.T) {
	srv, v := newFake(t)
	now := srv.Now()
	aud := srv.ClientID()
	cases := []struct {
		name   string
		change func(c map[string]any)
		nonce  string
		rule   string // "" for a token that passes
	}{
		{"good", func(map[string]any) {}, "", ""},
		{"iss another", func(c map[string]any) { c["iss"] = "https://accounts.google.com" }, "", `"iss"`},
		{"iss missing", func(c map[string]any) { delete(c, "iss") }, "", `"iss"`},
		{"iss with a trailing slash", func(c map[string]any) { c["iss"] = "https://appleid.apple.com/" }, "", `"iss"`},
		{"aud another", func(c map[string]any) { c["aud"] = "com.other.app" }, "", `"aud" "com.other.app" is not one of VerifierConfig.ClientIDs`},
		{"aud in another case", func(c map[string]any) { c["aud"] = strings.ToUpper(aud) }, "", `"aud"`},
		{"aud missing", func(c map[string]any) { delete(c, "aud") }, "", `no "aud"`},
		{"aud a number", func(c map[string]any) { c["aud"] = 7 }, "", `"aud"`},
		{"aud array with ours", func(c map[string]any) { c["aud"] = []string{aud} }, "", ""},
		{"aud array with ours and another", func(c map[string]any) { c["aud"] = []string{aud, "com.other.app"} }, "", `"com.other.app"`},
		{"aud empty array", func(c map[string]any) { c["aud"] = []string{} }, "", `"aud"`},
		{"exp past by 61 s", func(c map[string]any) { c["exp"] = now.Unix() - 61 }, "", "expired"},
		{"exp past by 59 s", func(c map[string]any) { c["exp"] = now.Unix() - 59 }, "", ""},
		{"exp missing", func(c map[string]any) { delete(c, "exp") }, "", `"exp" is missing`},
		{"exp a string", func(c map[string]any) { c["exp"] = fmt.Sprint(now.Unix() + 600) }, "", `"exp" is not a number`},
		{"exp in milliseconds", func(c map[string]any) { c["exp"] = now.UnixMilli() + 600000 }, "", "milliseconds"},
		{"exp fractional", func(c map[string]any) { c["exp"] = float64(now.Unix()) + 600.25 }, "", ""},
		{"iat ahead by 61 s", func(c map[string]any) { c["iat"] = now.Unix() + 61 }, "", `"iat"`},
		{"iat ahead by 59 s", func(c map[string]any) { c["iat"] = now.Unix() + 59 }, "", ""},
		{"iat missing", func(c map[string]any) { delete(c, "iat") }, "", `"iat" is missing`},
		{"iat null", func(c map[string]any) { c["iat"] = nil }, "", `"iat"`},
		{"iat negative", func(c map[string]any) { c["iat"] = -1 }, "", `"iat"`},
		{"sub missing", func(c map[string]any) { delete(c, "sub") }, "", `"sub"`},
		{"sub empty", func(c map[string]any) { c["sub"] = "" }, "", `"sub"`},
		{"email a number", func(c map[string]any) { c["email"] = 5 }, "", `"email"`},
		{"real_user_status a string", func(c map[string]any) { c["real_user_status"] = "2" }, "", "real_user_status"},
		{"auth_time a string", func(c map[string]any) { c["auth_time"] = "now" }, "", "auth_time"},
		{"nonce matches", func(c map[string]any) { c["nonce"] = "n-expected" }, "n-expected", ""},
		{"nonce mismatch", func(c map[string]any) { c["nonce"] = "n-replayed" }, "n-expected", `"nonce" is not VerifyOptions.Nonce`},
		{"nonce a prefix", func(c map[string]any) { c["nonce"] = "n-expect" }, "n-expected", `"nonce" is not`},
		{"nonce missing", func(map[string]any) {}, "n-expected", `no "nonce"`},
		{"nonce not asked for", func(c map[string]any) { c["nonce"] = "n-any" }, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := appleClaims(aud, now)
			tc.change(c)
			tok := srv.Sign(c)
			id, err := v.VerifyIDToken(bg, tok, signinwithapple.VerifyOptions{Nonce: tc.nonce})
			if tc.rule == "" {
				if err != nil || id.Subject == "" {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, signinwithapple.ErrInvalidToken) || !strings.Contains(err.Error(), tc.rule) || !strings.HasPrefix(err.Error(), "signinwithapple: identity token refused: ") {
				t.Fatalf("%v, want a refusal naming %s", err, tc.rule)
			}
			noSecretIn(t, err, tok)
			if strings.Contains(err.Error(), "n-replayed") || strings.Contains(err.Error(), "n-expected") {
				t.Errorf("the error quotes a nonce: %v", err)
			}
		})
	}
}

// TestVerifyRefusesEachBrokenHeaderAndForm: the token's form and header,
// broken in ways no library would sign, are refused before or by the
// signature check, against a key set served by a plain httptest server.
func TestVerifyRefusesEachBrokenHeaderAndForm(t *testing.T) {
	keys := testRSAKeys()
	ks := newKeyServer(t, keys[0])
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	v := verifierFor(t, ks, func() time.Time { return now }, "com.example.app")
	payload := claimsJSON(t, appleClaims("com.example.app", now))
	good := signRS256(t, keys[0], `{"kid":"kid0","alg":"RS256"}`, payload)
	if _, err := v.VerifyIDToken(bg, good, signinwithapple.VerifyOptions{}); err != nil {
		t.Fatalf("the good token is refused: %v", err)
	}
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"kid":"kid0","alg":"RS256"}`))
	parts := strings.Split(good, ".")
	mac := hmac.New(sha256.New, []byte(jwkJSON("kid0", &keys[0].PublicKey)))
	hsInput := enc.EncodeToString([]byte(`{"kid":"kid0","alg":"HS256"}`)) + "." + parts[1]
	mac.Write([]byte(hsInput))
	cases := []struct{ name, token, rule string }{
		{"empty", "", "empty"},
		{"two parts", parts[0] + "." + parts[1], "2 parts"},
		{"four parts", good + ".x", "4 parts"},
		{"too long", good + strings.Repeat("A", 20000), "longer"},
		{"alg none", enc.EncodeToString([]byte(`{"kid":"kid0","alg":"none"}`)) + "." + parts[1] + ".", `"alg"`},
		{"alg HS256 keyed with the public key", hsInput + "." + enc.EncodeToString(mac.Sum(nil)), `"alg"`},
		{"alg RS512", signRS256(t, keys[0], `{"kid":"kid0","alg":"RS512"}`, payload), `"alg"`},
		{"alg named twice", signRS256(t, keys[0], `{"kid":"kid0","alg":"none","alg":"RS256"}`, payload), "twice"},
		{"crit", signRS256(t, keys[0], `{"kid":"kid0","alg":"RS256","crit":["exp"]}`, payload), "crit"},
		{"typ other", signRS256(t, keys[0], `{"kid":"kid0","alg":"RS256","typ":"at+jwt"}`, payload), `"typ"`},
		{"no kid", signRS256(t, keys[0], `{"alg":"RS256"}`, payload), `"kid"`},
		{"kid a number", signRS256(t, keys[0], `{"kid":7,"alg":"RS256"}`, payload), `"kid"`},
		{"header not JSON", enc.EncodeToString([]byte(`{"kid"`)) + "." + parts[1] + "." + parts[2], "header"},
		{"header padded", head + "==." + parts[1] + "." + parts[2], "header"},
		{"another key under kid0", signRS256(t, keys[1], `{"kid":"kid0","alg":"RS256"}`, payload), "does not verify"},
		{"payload changed after signing", parts[0] + "." + enc.EncodeToString([]byte(strings.Replace(payload, "com.example.app", "com.example.apq", 1))) + "." + parts[2], "does not verify"},
		{"signature cut", parts[0] + "." + parts[1] + "." + parts[2][:40], "does not verify"},
		{"signature with a line break", parts[0] + "." + parts[1] + "." + parts[2][:40] + "\n" + parts[2][40:], "signature"},
		{"payload names aud twice", signRS256(t, keys[0], `{"kid":"kid0","alg":"RS256"}`, strings.Replace(payload, `"aud":"com.example.app"`, `"aud":"com.other","aud":"com.example.app"`, 1)), "twice"},
		{"payload with data after it", signRS256(t, keys[0], `{"kid":"kid0","alg":"RS256"}`, payload+`{}`), "after"},
		{"payload not UTF-8", signRS256(t, keys[0], `{"kid":"kid0","alg":"RS256"}`, strings.Replace(payload, `"iss"`, "\"iss\xff\"", 1)), "UTF-8"},
		{"payload an array", signRS256(t, keys[0], `{"kid":"kid0","alg":"RS256"}`, `[`+payload+`]`), "JSON object"},
		{"aud in upper-case member name", signRS256(t, keys[0], `{"kid":"kid0","alg":"RS256"}`, strings.Replace(payload, `"aud"`, `"AUD"`, 1)), `no "aud"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.VerifyIDToken(bg, tc.token, signinwithapple.VerifyOptions{})
			if !errors.Is(err, signinwithapple.ErrInvalidToken) || !strings.Contains(err.Error(), tc.rule) {
				t.Fatalf("%v, want a refusal naming %s", err, tc.rule)
			}
			noSecretIn(t, err, tc.token)
		})
	}
	if n := ks.fetches.Load(); n != 1 {
		t.Errorf("the key set was fetched %d times, want once: the tokens above name kid0 or are refused before a key is looked up", n)
	}
}

// TestIDTokenPrintsNoNonce: an IDToken printed with any verb, logged or
// encoded as JSON, shows who signed in and not the nonce or the payload.
func TestIDTokenPrintsNoNonce(t *testing.T) {
	srv, v := newFake(t)
	_, idToken := srv.Authorize(signinwithappletest.Authorization{Nonce: "secret-nonce-value", Email: "a@example.com"})
	id, err := v.VerifyIDToken(bg, idToken, signinwithapple.VerifyOptions{Nonce: "secret-nonce-value"})
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("login", "id", id, "value", *id)
	js, _ := json.Marshal(id)
	for _, out := range []string{fmt.Sprint(id), fmt.Sprintf("%+v", *id), fmt.Sprintf("%#v", *id), fmt.Sprintf("%s", id), fmt.Sprintf("%q", *id), fmt.Sprintf("%x", *id), logged.String(), string(js)} {
		if strings.Contains(out, "secret-nonce-value") || !strings.Contains(out, srv.Subject()) {
			t.Errorf("printed %s", out)
		}
	}
}

// TestIDTokenJSONHasTheTokensTimes: an IDToken encoded as JSON carries
// iat and exp as the token itself does, whole seconds since 1970, so that
// a reader of Apple's claim names gets Apple's form.
func TestIDTokenJSONHasTheTokensTimes(t *testing.T) {
	srv, v := newFake(t)
	_, idToken := srv.Authorize(signinwithappletest.Authorization{Nonce: "n-1"})
	id, err := v.VerifyIDToken(bg, idToken, signinwithapple.VerifyOptions{Nonce: "n-1"})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(id)
	if err != nil {
		t.Fatal(err)
	}
	var encoded, signed map[string]any
	if err := json.Unmarshal(js, &encoded); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(id.Raw, &signed); err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{"iat", "exp", "auth_time", "sub", "aud"} {
		if encoded[claim] == nil || encoded[claim] != signed[claim] {
			t.Errorf("%s: encoded %v, the token has %v", claim, encoded[claim], signed[claim])
		}
	}
	id.AuthTime = time.Time{} // as a token without auth_time reads
	if js, _ := json.Marshal(id); strings.Contains(string(js), "auth_time") {
		t.Errorf("auth_time encoded for a token without one: %s", js)
	}
}

// TestNewVerifierRefusesBadConfig: no client IDs, a malformed one, and a
// keys URL a token's keys must not come from are refused up front.
func TestNewVerifierRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  signinwithapple.VerifierConfig
		want string
	}{
		{signinwithapple.VerifierConfig{}, "ClientIDs is empty"},
		{signinwithapple.VerifierConfig{ClientIDs: []string{"com.example.app", " com.example.web"}}, "ClientIDs[1] has white space"},
		{signinwithapple.VerifierConfig{ClientIDs: []string{"com/example"}}, "ClientIDs[0] holds a character"},
		{signinwithapple.VerifierConfig{ClientIDs: []string{"com.example.app"}, KeysURL: "http://appleid.apple.com/auth/keys"}, "plain http"},
		{signinwithapple.VerifierConfig{ClientIDs: []string{"com.example.app"}, KeysURL: "appleid.apple.com/auth/keys"}, "not an absolute"},
		{signinwithapple.VerifierConfig{ClientIDs: []string{"com.example.app"}, KeysURL: "https://user:pw@appleid.apple.com/auth/keys"}, "user name"},
	} {
		if _, err := signinwithapple.NewVerifier(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "signinwithapple: ") {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	for _, ok := range []string{"", "https://appleid.apple.com/auth/keys", "http://127.0.0.1:8080/auth/keys", "http://[::1]/keys", "http://localhost/keys"} {
		if _, err := signinwithapple.NewVerifier(signinwithapple.VerifierConfig{ClientIDs: []string{"com.example.app"}, KeysURL: ok}); err != nil {
			t.Errorf("KeysURL %q: %v", ok, err)
		}
	}
}

// payloadOf decodes a JWS's payload.
func payloadOf(t *testing.T, jws string) string {
	t.Helper()
	parts := strings.Split(jws, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
