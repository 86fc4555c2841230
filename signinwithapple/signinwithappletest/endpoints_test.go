package signinwithappletest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// keySet fetches the fake's key set and decodes it by hand.
func keySet(t *testing.T, srv *signinwithappletest.Server) map[string]*rsa.PublicKey {
	t.Helper()
	resp, err := srv.Client().Get(srv.KeysURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k["kty"] != "RSA" || k["use"] != "sig" || k["alg"] != "RS256" || len(k) != 6 {
			t.Fatalf("key %v is not in the form of Apple's", k)
		}
		n, err1 := base64.RawURLEncoding.Strict().DecodeString(k["n"])
		e, err2 := base64.RawURLEncoding.Strict().DecodeString(k["e"])
		if err1 != nil || err2 != nil || k["e"] != "AQAB" {
			t.Fatalf("key %v", k)
		}
		keys[k["kid"]] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys
}

// verifyRS256 checks a JWS by hand against keys and returns its header and
// claims.
func verifyRS256(t *testing.T, keys map[string]*rsa.PublicKey, jws string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %d parts", len(parts))
	}
	var header, claims map[string]any
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if json.Unmarshal(h, &header) != nil || json.Unmarshal(c, &claims) != nil {
		t.Fatal("header or claims are not JSON")
	}
	kid, _ := header["kid"].(string)
	pub := keys[kid]
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if pub == nil || header["alg"] != "RS256" || len(header) != 2 || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
		t.Fatalf("header %v does not verify with the key set", header)
	}
	return header, claims
}

// TestFakeSignsWithItsKeySetAndRotates: the key set holds the key tokens
// are signed with; after RotateKeys a new key signs, listed first, and the
// older ones stay, up to three in all.
func TestFakeSignsWithItsKeySetAndRotates(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	_, first := srv.Authorize(signinwithappletest.Authorization{})
	keys := keySet(t, srv)
	if len(keys) != 1 {
		t.Fatalf("%d keys, want 1", len(keys))
	}
	h, _ := verifyRS256(t, keys, first)
	firstKid := h["kid"]
	if firstKid != srv.IDTokenKeyID() || keys[srv.IDTokenKeyID()].N.Cmp(srv.IDTokenKey().N) != 0 {
		t.Errorf("the signing key is not IDTokenKey/IDTokenKeyID")
	}
	for range 3 {
		srv.RotateKeys()
	}
	_, latest := srv.Authorize(signinwithappletest.Authorization{})
	keys = keySet(t, srv)
	if len(keys) != 3 {
		t.Fatalf("%d keys after three rotations, want 3", len(keys))
	}
	if h, _ := verifyRS256(t, keys, latest); h["kid"] == firstKid || h["kid"] != srv.IDTokenKeyID() {
		t.Error("still signing with the first key")
	}
	if st := srv.Stats(); st.KeyFetches != 2 {
		t.Errorf("KeyFetches %d, want 2", st.KeyFetches)
	}
}

// TestFakeIdentityTokenHasApplesClaims: an id_token from an exchange holds
// Apple's claims: iss, aud, sub, iat, exp, auth_time, nonce_supported,
// at_hash of the access token, and the user's email, nonce and status as
// the authorization gave them.
func TestFakeIdentityTokenHasApplesClaims(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	fixed := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return fixed })
	code, appToken := srv.Authorize(signinwithappletest.Authorization{Email: "a@example.com", Nonce: "n1", RealUserStatus: 2})
	status, body := post(t, srv, url.Values{"client_id": {srv.ClientID()}, "client_secret": {goodSecret(srv)}, "code": {code}, "grant_type": {"authorization_code"}})
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	keys := keySet(t, srv)
	_, c := verifyRS256(t, keys, body["id_token"].(string))
	access := sha256.Sum256([]byte(body["access_token"].(string)))
	want := map[string]any{
		"iss": "https://appleid.apple.com", "aud": srv.ClientID(), "sub": srv.Subject(), "iat": float64(fixed.Unix()), "exp": float64(fixed.Add(10 * time.Minute).Unix()),
		"auth_time": float64(fixed.Unix()), "nonce_supported": true, "nonce": "n1", "email": "a@example.com", "email_verified": "true", "is_private_email": "false",
		"real_user_status": float64(2), "at_hash": base64.RawURLEncoding.EncodeToString(access[:16]),
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %#v, want %#v", k, c[k], v)
		}
	}
	if len(c) != len(want) {
		t.Errorf("claims %v, want exactly %v", c, want)
	}
	_, ac := verifyRS256(t, keys, appToken)
	sum := sha256.Sum256([]byte(code))
	if ac["c_hash"] != base64.RawURLEncoding.EncodeToString(sum[:16]) || ac["sub"] != srv.Subject() || ac["nonce"] != "n1" {
		t.Errorf("the app's identity token %v", ac)
	}
}

// goodSecret signs a client secret for srv by hand.
func goodSecret(srv *signinwithappletest.Server) string {
	h, c := good(srv)
	return secret(srv.Config().PrivateKey.(*ecdsa.PrivateKey), h, c, false)
}

// TestFakeAcceptsFractionalTimes: a client secret whose iat and exp are not
// whole seconds is accepted, as Apple accepts them: RFC 7519's NumericDate
// may be any JSON number, and Apple's own Swift library (jwt-kit's default
// encoder) sends fractions, as does cidertool/asc-go.
func TestFakeAcceptsFractionalTimes(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	fixed := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return fixed })
	h, c := good(srv)
	c["iat"] = float64(fixed.Unix()) - 59.731
	c["exp"] = float64(fixed.Unix()) + 3540.268991
	value := secret(srv.Config().PrivateKey.(*ecdsa.PrivateKey), h, c, false)
	if err := srv.VerifyClientSecret(value, srv.ClientID()); err != nil {
		t.Fatalf("fractional iat and exp: %v", err)
	}
	c["exp"] = float64(fixed.Unix()) + 15777000.5
	if err := srv.VerifyClientSecret(secret(srv.Config().PrivateKey.(*ecdsa.PrivateKey), h, c, false), srv.ClientID()); err == nil {
		t.Error("half a second over Apple's limit passed")
	}
}

// TestFakeRevokeEndpoint: /auth/revoke takes Apple's form; a token it
// issued is revoked (its refresh then gets invalid_grant), one it did not
// still gets 200, as Apple answers; a bad secret gets invalid_client and
// no token invalid_request, each naming the rule.
func TestFakeRevokeEndpoint(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	sec := goodSecret(srv)
	_, body := post(t, srv, url.Values{"client_id": {srv.ClientID()}, "client_secret": {sec}, "code": {srv.IssueCode("")}, "grant_type": {"authorization_code"}})
	refresh, _ := body["refresh_token"].(string)
	revoke := func(form url.Values) (int, map[string]any) {
		resp, err := srv.Client().PostForm(srv.RevokeURL(), form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b
	}
	if status, b := revoke(url.Values{"client_id": {srv.ClientID()}, "client_secret": {"x.y.z"}, "token": {refresh}, "token_type_hint": {"refresh_token"}}); status != 400 || b["error"] != "invalid_client" || b["error_description"] == "" {
		t.Errorf("bad secret: %d %v", status, b)
	}
	if status, b := revoke(url.Values{"client_id": {srv.ClientID()}, "client_secret": {sec}}); status != 400 || b["error"] != "invalid_request" || b["error_description"] != "no token" {
		t.Errorf("no token: %d %v", status, b)
	}
	if status, _ := revoke(url.Values{"client_id": {srv.ClientID()}, "client_secret": {sec}, "token": {"unknown"}, "token_type_hint": {"access_token"}}); status != 200 {
		t.Errorf("unknown token: %d", status)
	}
	if st := srv.Stats(); st.Revoked != 0 {
		t.Fatalf("revoked %d before any token it issued", st.Revoked)
	}
	if status, _ := revoke(url.Values{"client_id": {srv.ClientID()}, "client_secret": {sec}, "token": {refresh}, "token_type_hint": {"refresh_token"}}); status != 200 {
		t.Errorf("its own token: %d", status)
	}
	status, b := post(t, srv, url.Values{"client_id": {srv.ClientID()}, "client_secret": {sec}, "refresh_token": {refresh}, "grant_type": {"refresh_token"}})
	if status != 400 || b["error"] != "invalid_grant" || !strings.Contains(b["error_description"].(string), "revoked") {
		t.Errorf("refresh after revocation: %d %v", status, b)
	}
	if st := srv.Stats(); st.Revoked != 1 || st.Rejected != 3 || st.Accepted != 3 {
		t.Errorf("stats %+v", st)
	}
}

// TestFakeRevokeTokensEndsEveryAuthorization: RevokeTokens stands for users
// who stop using Sign in with Apple: their refresh tokens get invalid_grant.
func TestFakeRevokeTokensEndsEveryAuthorization(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	sec := goodSecret(srv)
	_, body := post(t, srv, url.Values{"client_id": {srv.ClientID()}, "client_secret": {sec}, "code": {srv.IssueCode("")}, "grant_type": {"authorization_code"}})
	srv.RevokeTokens()
	if status, b := post(t, srv, url.Values{"client_id": {srv.ClientID()}, "client_secret": {sec}, "refresh_token": {body["refresh_token"].(string)}, "grant_type": {"refresh_token"}}); status != 400 || b["error"] != "invalid_grant" {
		t.Errorf("%d %v", status, b)
	}
}

// TestFakeFailAndHang: Fail answers every request (keys included) with the
// error given until Recover; Hang holds them until Release, or until the
// client gives up.
func TestFakeFailAndHang(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	srv.Fail(http.StatusServiceUnavailable, "temporarily_unavailable", "down")
	resp, err := srv.Client().Get(srv.KeysURL())
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&b)
	resp.Body.Close()
	if resp.StatusCode != 503 || b["error"] != "temporarily_unavailable" || b["error_description"] != "down" {
		t.Errorf("%d %v", resp.StatusCode, b)
	}
	srv.Recover()
	srv.Hang()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.KeysURL(), nil)
	if resp, err := srv.Client().Do(req); err == nil {
		t.Errorf("a held request was answered: %d", resp.StatusCode)
	}
	done := make(chan int)
	go func() {
		resp, err := srv.Client().Get(srv.KeysURL())
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	for deadline := time.Now().Add(10 * time.Second); srv.Stats().Held == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the fake")
		}
		runtime.Gosched() // the request crossing loopback to the fake
	}
	srv.Release()
	if status := <-done; status != 200 {
		t.Errorf("after Release: %d", status)
	}
}

// TestFakeAuthorizePageCarriesTheNonce: the authorization page's nonce is
// in the identity token of the code it issues.
func TestFakeAuthorizePageCarriesTheNonce(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	_, to := authorizePage(t, srv, url.Values{"response_type": {"code id_token"}, "client_id": {srv.ClientID()}, "redirect_uri": {"https://example.com/cb"}, "nonce": {"n-abc"}})
	_, c := verifyRS256(t, keySet(t, srv), to.Query().Get("id_token"))
	if c["nonce"] != "n-abc" {
		t.Errorf("claims %v", c)
	}
	status, body := post(t, srv, url.Values{"client_id": {srv.ClientID()}, "client_secret": {goodSecret(srv)}, "code": {to.Query().Get("code")}, "redirect_uri": {"https://example.com/cb"}, "grant_type": {"authorization_code"}})
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	if _, c := verifyRS256(t, keySet(t, srv), body["id_token"].(string)); c["nonce"] != "n-abc" {
		t.Errorf("exchanged id_token claims %v", c)
	}
}
