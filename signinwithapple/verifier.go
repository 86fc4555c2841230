package signinwithapple

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/jwsread"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// Issuer is the "iss" of every token Apple signs for Sign in with Apple:
// identity tokens and server-to-server notifications.
const Issuer = "https://appleid.apple.com"

// leeway is how far a token's times may disagree with the Verifier's
// clock: "exp" may have passed by up to this much, "iat" may be this far
// ahead, and no more.
const leeway = time.Minute

// defaultTimeout is the timeout of the HTTP client made when a config's
// HTTPClient is nil.
const defaultTimeout = 10 * time.Second

// ErrInvalidToken is what [errors.Is] finds in an error of
// [Verifier.VerifyIDToken] or [Verifier.VerifyNotification] when the token
// itself broke a rule (a bad signature, another audience, expired, a nonce
// that does not match): answer the request 401, not 503. The error's text
// names the rule.
var ErrInvalidToken = errors.New("signinwithapple: invalid token")

// refusal is a token refused for breaking rule; what names the token.
type refusal struct{ what, rule string }

func (r *refusal) Error() string        { return "signinwithapple: " + r.what + " refused: " + r.rule }
func (r *refusal) Is(target error) bool { return target == ErrInvalidToken }

// invalid returns the refusal of a token for rule, a clause that says what
// is wrong without quoting the token.
func invalid(rule string) error { return &refusal{rule: rule} }

// VerifierConfig says which tokens a [Verifier] accepts and where it finds
// Apple's keys. Only ClientIDs is required.
type VerifierConfig struct {
	// ClientIDs are the Services IDs (sign-in on the web) and bundle IDs
	// (sign-in in an app) that tokens may be for: a token's "aud" must be
	// one of them, compared case by case.
	ClientIDs []string
	// KeysURL is Apple's key set; "" means [KeysURL]. It must be https, or
	// http on loopback (a test server such as signinwithappletest's).
	KeysURL string
	// HTTPClient fetches the key set; nil means a client with a 10 s
	// timeout. It is used as it is, except that redirects are not
	// followed, and each fetch is bounded at 10 s whatever its timeout.
	HTTPClient *http.Client
	// Now is the clock that "exp" and "iat" are checked by and that spaces
	// fetches of the key set; nil means [time.Now].
	Now func() time.Time
}

// Verifier verifies what Apple signs for Sign in with Apple: identity
// tokens ([Verifier.VerifyIDToken]) and server-to-server notifications
// ([Verifier.VerifyNotification]). Make one with [NewVerifier] and share
// it: it holds Apple's key set, fetched once for all its callers. It is
// safe for concurrent use.
type Verifier struct {
	clientIDs []string
	now       func() time.Time
	keys      *keySet
}

// NewVerifier checks cfg and returns a [Verifier]. It fetches nothing yet:
// the first token to verify fetches Apple's key set.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.ClientIDs) == 0 {
		return nil, errors.New("signinwithapple: VerifierConfig.ClientIDs is empty; set it to the Services IDs and bundle IDs your tokens are for")
	}
	for i, id := range cfg.ClientIDs {
		if err := checkClientIDField(fmt.Sprintf("VerifierConfig.ClientIDs[%d]", i), id); err != nil {
			return nil, err
		}
	}
	keysURL, err := endpointURL("VerifierConfig.KeysURL", cfg.KeysURL, KeysURL)
	if err != nil {
		return nil, err
	}
	now := configcheck.Clock(cfg.Now)
	return &Verifier{
		clientIDs: slices.Clone(cfg.ClientIDs),
		now:       now,
		keys:      &keySet{url: keysURL, client: httpClient(cfg.HTTPClient, errNoRedirect), now: now},
	}, nil
}

// VerifyOptions are the checks of one token beyond the [Verifier]'s own.
type VerifyOptions struct {
	// Nonce, when set, must equal the token's "nonce" exactly (compared in
	// constant time): the value your app put in the authorization request,
	// as it put it there (apps often send the SHA-256 of a random string).
	// A token without a nonce is refused then; where a platform cannot
	// carry one (IDToken.NonceSupported false), leave Nonce empty.
	Nonce string
}

// VerifyIDToken verifies an identity token, the id_token of Apple's token
// endpoint or the identityToken an app receives, by the rules of Apple's
// "Verifying a user": an RS256 signature by the key its kid names in
// Apple's key set, "iss" [Issuer], "aud" one of the ClientIDs, "exp" not
// past and "iat" not ahead (a minute of leeway either way), a "sub", and
// opts.Nonce when set. Each refusal wraps [ErrInvalidToken] and names the
// rule it broke, never the token; other errors (Apple's key set could not
// be fetched, ctx ended) do not.
func (v *Verifier) VerifyIDToken(ctx context.Context, idToken string, opts VerifyOptions) (*IDToken, error) {
	const what = "identity token"
	claims, raw, aud, err := v.verify(ctx, idToken, what)
	if err != nil {
		return nil, err
	}
	tok, err := decodeIDToken(claims, raw, aud)
	if err != nil {
		return nil, named(what, err)
	}
	if opts.Nonce != "" {
		if _, ok := claims["nonce"]; !ok {
			return nil, named(what, invalid(`it carries no "nonce", and VerifyOptions.Nonce is set`))
		}
		if subtle.ConstantTimeCompare([]byte(tok.Nonce), []byte(opts.Nonce)) != 1 {
			return nil, named(what, invalid(`its "nonce" is not VerifyOptions.Nonce`))
		}
	}
	return tok, nil
}

// verify checks what every token Apple signs for Sign in with Apple
// shares, identity tokens and notifications alike: the signature, iss,
// aud, exp and iat. It returns the claims, the payload as sent, and the
// audience that matched.
func (v *Verifier) verify(ctx context.Context, value, what string) (object, []byte, string, error) {
	t, err := parseJWT(value)
	if err != nil {
		return nil, nil, "", named(what, invalid(err.Error()))
	}
	pub, err := v.keys.lookup(ctx, t.kid)
	if err != nil {
		return nil, nil, "", named(what, err)
	}
	claims, raw, err := t.verify(pub)
	if err != nil {
		return nil, nil, "", named(what, invalid(err.Error()))
	}
	aud, err := v.checkClaims(claims)
	if err != nil {
		return nil, nil, "", named(what, invalid(err.Error()))
	}
	return claims, raw, aud, nil
}

// checkClaims checks iss, aud, exp and iat and returns the audience.
func (v *Verifier) checkClaims(claims object) (string, error) {
	if iss, _ := claims.string("iss"); iss != Issuer {
		return "", fmt.Errorf(`its "iss" is not %q`, Issuer)
	}
	aud, err := v.audience(claims)
	if err != nil {
		return "", err
	}
	now := v.now()
	exp, err := claims.requiredTime("exp")
	if err != nil {
		return "", fmt.Errorf("its %w", err)
	}
	if !now.Before(exp.Add(leeway)) {
		return "", fmt.Errorf(`it expired at %s ("exp"), %s ago; a minute of leeway is allowed`, exp.Format(time.RFC3339), now.Sub(exp).Round(time.Second))
	}
	iat, err := claims.requiredTime("iat")
	if err != nil {
		return "", fmt.Errorf("its %w", err)
	}
	if iat.After(now.Add(leeway)) {
		return "", fmt.Errorf(`its "iat" is %s ahead of this server's clock, more than the minute of leeway allowed`, iat.Sub(now).Round(time.Second))
	}
	return aud, nil
}

// audience checks "aud": one of the ClientIDs, as the string Apple sends or
// an array whose every entry is one of them (OpenID Connect refuses a
// token that also names audiences the client does not trust).
func (v *Verifier) audience(claims object) (string, error) {
	raw, ok := claims["aud"]
	if !ok {
		return "", errors.New(`it has no "aud"`)
	}
	var auds []string
	if s, err := jwsread.StringValue(raw); err == nil {
		auds = []string{s}
	} else if list, err := claims.stringArray("aud"); err == nil && len(list) > 0 {
		auds = list
	} else {
		return "", errors.New(`its "aud" is neither a string nor an array of strings`)
	}
	for _, aud := range auds {
		if !slices.Contains(v.clientIDs, aud) {
			return "", fmt.Errorf(`its "aud" %s is not one of VerifierConfig.ClientIDs (compared case by case)`, redact.Show(aud, 255))
		}
	}
	return auds[0], nil
}

// named puts what, the kind of token, into a refusal.
func named(what string, err error) error {
	var r *refusal
	if errors.As(err, &r) && r.what == "" {
		r.what = what
	}
	return err
}
