package signinwithapple

import (
	"crypto"
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/claims"
	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/jws"
)

// Apple's endpoint and the audience of its client secrets.
const (
	// Audience is the "aud" claim of every client secret, as Apple's
	// "Creating a client secret" gives it.
	Audience = "https://appleid.apple.com"
	// TokenURL is Apple's token endpoint ("Generate and validate tokens"),
	// where the secret goes as the client_secret form field.
	TokenURL = "https://appleid.apple.com/auth/token"
	// AuthURL is Apple's authorization endpoint, for oauth2.Config's
	// Endpoint beside TokenURL.
	AuthURL = "https://appleid.apple.com/auth/authorize"
	// BaseURL is the origin of Apple's Sign in with Apple REST API, the
	// default of [ClientConfig].BaseURL.
	BaseURL = "https://appleid.apple.com"
	// RevokeURL is Apple's token revocation endpoint ("Revoke tokens"),
	// where [Client.Revoke] posts.
	RevokeURL = "https://appleid.apple.com/auth/revoke"
	// KeysURL is Apple's key set ("Fetch Apple's public key for verifying
	// token signature"), the default of [VerifierConfig].KeysURL.
	KeysURL = "https://appleid.apple.com/auth/keys"
)

// Lifetime limits that [NewClientSecretSource] enforces.
const (
	// DefaultLifetime is the lifetime when [Config].Lifetime is zero. The
	// secret goes to Apple's token endpoint only, when a user signs in or a
	// refresh token is checked, so an hour costs one signature an hour at
	// most and keeps a leaked secret short-lived.
	DefaultLifetime = time.Hour
	// MinLifetime is the shortest lifetime accepted: iat is a minute back
	// and a secret is never handed out in its last minute, so it needs room
	// between the two to be replaced in the background.
	MinLifetime = devtoken.MinLifetime
	// MaxLifetime is the longest exp - iat: Apple's "Creating a client
	// secret" says exp "must not be greater than 15777000 (6 months in
	// seconds)" past the server's current time. With iat a minute back, a
	// secret of this lifetime is within Apple's limit at any server clock
	// up to a minute behind ours.
	MaxLifetime = 15_777_000 * time.Second
)

// clockSkew is how far iat is set back, so that a server whose clock runs
// up to this much behind ours does not see a secret from the future.
const clockSkew = devtoken.ClockSkew

// source is the title of Apple's page for client secrets, which calls the
// key ID and the Team ID 10-character identifiers and sets the limit on
// exp.
const source = "Creating a client secret"

// lifetimes are the limits [configcheck.CheckLifetime] applies.
var lifetimes = configcheck.Lifetimes{Default: DefaultLifetime, Min: MinLifetime, Max: MaxLifetime, Backdate: clockSkew,
	OverMax: "Apple's limit of 15,777,000 s (six months) between iat and exp, from Apple's \"" + source + "\"; Apple would refuse these secrets with invalid_client: use at most signinwithapple.MaxLifetime"}

// Config describes a Sign in with Apple key and the client secrets to make
// with it. Pass it to [NewClientSecretSource]; all but Lifetime, Now and
// Hooks are required.
type Config struct {
	// KeyID is the "kid" header: the 10-character ID of the Sign in with
	// Apple key (Certificates, Identifiers & Profiles > Keys), the KEYID in
	// AuthKey_KEYID.p8.
	KeyID string
	// TeamID is the "iss" claim: your 10-character Team ID (Membership
	// details). Not an App Store Connect issuer ID, which is a UUID.
	TeamID string
	// ClientID is the "sub" claim and must equal the client_id you send:
	// the Services ID for sign-in on the web, the app's bundle ID for
	// sign-in in the app. It is used exactly as written, case included: a
	// "sub" that differs from client_id is Apple's most common cause of
	// "invalid_client".
	ClientID string
	// PrivateKey signs the secrets: a P-256 key, such as the
	// *[ecdsa.PrivateKey] from [ascjwt.LoadPrivateKey], or any
	// [crypto.Signer] whose Public() is a P-256 *[ecdsa.PublicKey] (a KMS
	// or HSM key).
	PrivateKey crypto.Signer
	// Lifetime is exp - iat: zero for [DefaultLifetime], at least
	// [MinLifetime], at most [MaxLifetime].
	Lifetime time.Duration
	// Now is the clock; nil means [time.Now]. Tests set it to move time.
	Now func() time.Time
	// Hooks, when set, is told of each secret made (TokenMinted) and each
	// failed attempt (RefreshFailed); its Transport events do not apply.
	Hooks *ascjwt.Hooks
}

// validate checks everything that can be known before the first secret, so
// that a mistake shows at start-up and not as Apple's "invalid_client", and
// returns how the secrets are made.
func (c Config) validate() (devtoken.Spec, error) {
	if err := configcheck.CheckIDs("signinwithapple", source,
		c.KeyID, "the 10-character ID of your Sign in with Apple key, the KEYID in AuthKey_KEYID.p8",
		c.TeamID, "your 10-character Team ID, shown in your developer account's Membership details"); err != nil {
		return devtoken.Spec{}, err
	}
	if err := checkClientID(c.ClientID); err != nil {
		return devtoken.Spec{}, err
	}
	// Apple's header is "alg" and "kid" only: no "typ".
	signer, err := configcheck.Signer("signinwithapple", c.PrivateKey, c.KeyID, jws.Header{})
	if err != nil {
		return devtoken.Spec{}, err
	}
	lifetime, err := configcheck.CheckLifetime("signinwithapple", c.Lifetime, lifetimes)
	if err != nil {
		return devtoken.Spec{}, err
	}
	prefix, err := claims.Static{Issuer: c.TeamID, Subject: c.ClientID, Audience: Audience}.Prefix() // encoded once
	if err != nil {
		return devtoken.Spec{}, fmt.Errorf("signinwithapple: encode claims: %w", err)
	}
	return devtoken.Spec{
		Package: "signinwithapple", KeyID: c.KeyID, Signer: signer,
		Payload: func(iat, exp int64) ([]byte, error) {
			return claims.AppendPayload(make([]byte, 0, len(prefix)+48), prefix, iat, exp), nil
		},
		Backdate: clockSkew, Lifetime: lifetime, DropInterval: dropInterval,
		// No host: the secret goes in a form field to Apple's token
		// endpoint, never in an Authorization header, so a Transport given
		// this source by mistake sends it nowhere but loopback.
		Hosts: []string{}, Now: configcheck.Clock(c.Now), Hooks: c.Hooks,
	}, nil
}
