package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// TestGoOIDCVerifiesTheFakesIdentityTokens: coreos/go-oidc, pointed at the
// fake's key set as it would be at https://appleid.apple.com/auth/keys,
// verifies the identity tokens the fake issues, from a sign-in and from a
// code exchange with our Client, and their at_hash; after the fake rotates
// its key, go-oidc fetches the set again and verifies the new token too.
func TestGoOIDCVerifiesTheFakesIdentityTokens(t *testing.T) {
	srv := closeAtEnd(t, signinwithappletest.NewServer())
	ctx := oidc.ClientContext(context.Background(), srv.Client())
	keys := oidc.NewRemoteKeySet(ctx, srv.KeysURL())
	verifier := oidc.NewVerifier("https://appleid.apple.com", keys, &oidc.Config{ClientID: srv.ClientID(), Now: srv.Now})

	_, appToken := srv.Authorize(signinwithappletest.Authorization{Email: "a@example.com", Nonce: "n-1"})
	id, err := verifier.Verify(ctx, appToken)
	if err != nil {
		t.Fatalf("go-oidc refuses the fake's identity token: %v", err)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified string `json:"email_verified"`
	}
	if err := id.Claims(&claims); err != nil || id.Subject != srv.Subject() || id.Nonce != "n-1" || claims.Email != "a@example.com" || claims.EmailVerified != "true" {
		t.Errorf("go-oidc reads %+v %+v (%v)", id, claims, err)
	}

	secrets := apitest.Must(t, signinwithapple.NewClientSecretSource, srv.Config())
	client, err := signinwithapple.NewClient(secrets, srv.ClientConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	code, _ := srv.Authorize(signinwithappletest.Authorization{})
	tokens, err := client.Exchange(context.Background(), code, "")
	if err != nil {
		t.Fatal(err)
	}
	id, err = verifier.Verify(ctx, tokens.IDToken)
	if err != nil {
		t.Fatalf("go-oidc refuses the exchanged id_token: %v", err)
	}
	if err := id.VerifyAccessToken(tokens.AccessToken); err != nil {
		t.Errorf("go-oidc refuses the at_hash: %v", err)
	}

	srv.RotateKeys()
	_, rotated := srv.Authorize(signinwithappletest.Authorization{})
	if _, err := verifier.Verify(ctx, rotated); err != nil {
		t.Errorf("go-oidc refuses the token of a rotated key: %v", err)
	}
	if n := srv.Stats().KeyFetches; n != 2 {
		t.Errorf("go-oidc fetched the key set %d times, want 2", n)
	}
}

// TestGoOIDCRefusesWhatOurVerifierRefuses: the tokens our Verifier refuses
// for a rule that OpenID Connect shares (another audience, expired, another
// issuer) go-oidc refuses too, so that our rules are not stricter than a
// widely used client's where they are the same rules.
func TestGoOIDCRefusesWhatOurVerifierRefuses(t *testing.T) {
	srv := closeAtEnd(t, signinwithappletest.NewServer())
	fixed := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return fixed })
	ctx := oidc.ClientContext(context.Background(), srv.Client())
	theirs := oidc.NewVerifier("https://appleid.apple.com", oidc.NewRemoteKeySet(ctx, srv.KeysURL()), &oidc.Config{ClientID: srv.ClientID(), Now: srv.Now})
	ours := apitest.Must(t, signinwithapple.NewVerifier, srv.VerifierConfig())
	base := func() map[string]any {
		return map[string]any{"iss": "https://appleid.apple.com", "aud": srv.ClientID(), "sub": "001.a.1", "iat": fixed.Unix(), "exp": fixed.Add(10 * time.Minute).Unix()}
	}
	for name, change := range map[string]func(map[string]any){
		"good":          func(map[string]any) {},
		"another aud":   func(c map[string]any) { c["aud"] = "com.other" },
		"expired":       func(c map[string]any) { c["exp"] = fixed.Add(-time.Hour).Unix() },
		"another iss":   func(c map[string]any) { c["iss"] = "https://example.com" },
		"iat far ahead": func(c map[string]any) { c["iat"] = fixed.Add(time.Hour).Unix() },
	} {
		c := base()
		change(c)
		tok := srv.Sign(c)
		_, errTheirs := theirs.Verify(ctx, tok)
		_, errOurs := ours.VerifyIDToken(context.Background(), tok, signinwithapple.VerifyOptions{})
		if (errTheirs == nil) != (errOurs == nil) && name != "iat far ahead" {
			t.Errorf("%s: go-oidc says %v, ours %v", name, errTheirs, errOurs)
		}
		if name == "iat far ahead" && errOurs == nil {
			t.Errorf("%s: ours accepts", name)
		}
	}
}
