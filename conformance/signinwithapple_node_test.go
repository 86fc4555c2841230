package conformance

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// nodeResult is what node/signinwithapple.js says of one call.
type nodeResult struct {
	OK    bool            `json:"ok"`
	Value json.RawMessage `json:"value"`
	Error string          `json:"error"`
}

// TestAppleSigninAuthAgainstTheFake: the npm apple-signin-auth, unchanged
// but for where it sends its requests, verifies the fake's identity tokens
// (refusing another nonce or audience), exchanges a code with a client
// secret of its own making, which the fake accepts, refreshes and revokes
// the refresh token, after which the fake refuses it, and verifies a
// notification the fake signs.
func TestAppleSigninAuthAgainstTheFake(t *testing.T) {
	srv := closeAtEnd(t, signinwithappletest.NewServer())
	cfg := srv.Config()
	_, idToken := srv.Authorize(signinwithappletest.Authorization{Email: "a@example.com", Nonce: "n-0123", IsPrivateEmail: true})
	code, _ := srv.Authorize(signinwithappletest.Authorization{})
	notification := capturedNotification(t, srv, signinwithapple.Event{Type: signinwithapple.EventConsentRevoked})

	var out map[string]nodeResult
	nodeScript{
		Package: "apple-signin-auth",
		Args:    []string{"signinwithapple.js"},
		Env:     []string{"NODE_EXTRA_CA_CERTS=" + writeCertPEM(t, t.TempDir(), srv.Certificate())},
		Input: map[string]string{
			"base":         srv.URL,
			"clientID":     cfg.ClientID,
			"teamID":       cfg.TeamID,
			"keyID":        cfg.KeyID,
			"privateKey":   apitest.PEM(t, cfg.PrivateKey.(*ecdsa.PrivateKey)),
			"idToken":      idToken,
			"nonce":        "n-0123",
			"code":         code,
			"notification": notification,
		},
	}.run(t, &out)
	want := func(name string, ok bool) nodeResult {
		t.Helper()
		r, found := out[name]
		if !found || r.OK != ok {
			t.Errorf("%s: %+v, want ok=%t", name, r, ok)
		}
		return r
	}

	var claims map[string]any
	if r := want("verifyIdToken", true); json.Unmarshal(r.Value, &claims) == nil {
		if claims["sub"] != srv.Subject() || claims["email"] != "a@example.com" || claims["email_verified"] != "true" || claims["is_private_email"] != "true" || claims["nonce"] != "n-0123" {
			t.Errorf("apple-signin-auth reads %v", claims)
		}
	}
	want("verifyIdTokenWrongNonce", false)
	want("verifyIdTokenWrongAudience", false)
	var tokens map[string]any
	if r := want("getAuthorizationToken", true); json.Unmarshal(r.Value, &tokens) == nil {
		if tokens["error"] != nil || tokens["access_token"] == nil || tokens["token_type"] != "Bearer" {
			t.Errorf("apple-signin-auth's exchange got %v (the fake: %s)", tokens, srv.Stats().LastRejection)
		}
	}
	want("verifyExchangedIdToken", true)
	if r := want("refreshAuthorizationToken", true); !bytes.Contains(r.Value, []byte(`"access_token"`)) {
		t.Errorf("refresh got %s", r.Value)
	}
	want("revokeAuthorizationToken", true)
	if r := want("refreshAfterRevoke", true); !bytes.Contains(r.Value, []byte(`"invalid_grant"`)) {
		t.Errorf("refresh after revocation got %s, want invalid_grant", r.Value)
	}
	var hook map[string]any
	if r := want("verifyWebhookToken", true); json.Unmarshal(r.Value, &hook) == nil {
		// apple-signin-auth JSON.parses "events", which Apple sends as a
		// string: had the fake sent an object, it would have thrown.
		events, _ := hook["events"].(map[string]any)
		if hook["aud"] != cfg.ClientID || events["type"] != "consent-revoked" || events["sub"] != srv.Subject() {
			t.Errorf("apple-signin-auth reads the notification as %v", hook)
		}
	}
	if st := srv.Stats(); st.Secrets != 1 || st.Revoked != 1 || st.KeyFetches == 0 {
		t.Errorf("the fake's stats %+v: want apple-signin-auth's one secret accepted and one revocation", st)
	}
}

// capturedNotification has the fake post a notification of e to an
// endpoint of the test's and returns its payload, the JWT.
func capturedNotification(t *testing.T, srv *signinwithappletest.Server, e signinwithapple.Event) string {
	t.Helper()
	endpoint := newNotificationEndpoint(t)
	if err := srv.PostNotification(context.Background(), nil, endpoint.URL, e); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Payload string `json:"payload"`
	}
	endpoint.decodeLast(t, &body)
	return body.Payload
}
