package ascjwt

import (
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt/internal/claims"
	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// Audiences Apple's APIs expect in the "aud" claim.
const (
	// AudienceAppStoreConnect is the audience of the App Store Connect API and
	// the App Store Server API. It is the default.
	AudienceAppStoreConnect = "appstoreconnect-v1"
	// AudienceEnterprise is the audience of the Apple Developer Enterprise
	// Program API (fastlane's in_house keys). A source with it sends its
	// tokens to [EnterpriseURL]'s host.
	AudienceEnterprise = "apple-developer-enterprise-v1"
)

// Base URLs of the APIs that take these tokens.
const (
	// AppStoreConnectURL is the App Store Connect API.
	AppStoreConnectURL = "https://api.appstoreconnect.apple.com"
	// AppStoreServerURL is the App Store Server API, whose tokens carry a
	// bundle ID ([Config].BundleID).
	AppStoreServerURL = "https://api.storekit.apple.com"
	// AppStoreServerSandboxURL is the App Store Server API for sandbox
	// purchases.
	AppStoreServerSandboxURL = "https://api.storekit-sandbox.apple.com"
	// EnterpriseURL is the Apple Developer Enterprise Program API, whose
	// tokens carry [AudienceEnterprise] ("Generating Tokens for API
	// Requests" in its documentation).
	EnterpriseURL = "https://api.enterprise.developer.apple.com"
)

// Lifetime limits that [NewTokenSource] enforces, from Apple's rules.
const (
	// DefaultLifetime is the lifetime of a token when [Config].Lifetime is zero,
	// and the longest Apple accepts for most App Store Connect API requests.
	DefaultLifetime = claims.MaxLifetime
	// MinLifetime is the shortest lifetime [NewTokenSource] accepts: a token is
	// backdated by one minute and never used in its last minute, and needs
	// room between the two to be refreshed in the background.
	MinLifetime = devtoken.MinLifetime
	// MaxLifetime is the longest lifetime [NewTokenSource] accepts at all:
	// Apple's "six months", taken as 180 days, for a token whose every
	// Scope entry is a GET on a resource that allows long-lived tokens. Any
	// other token is held to [DefaultLifetime], or 60 minutes with a
	// BundleID ("Generating Tokens for API Requests").
	MaxLifetime = claims.MaxLongLivedLifetime
)

// Config describes an App Store Connect API key and the tokens to make with
// it. Pass it to [NewTokenSource]; only KeyID and PrivateKey are required for a
// team key (set IssuerID too) or an individual key (leave IssuerID empty).
type Config struct {
	// KeyID is the "kid" header: the key's ID from App Store Connect, e.g.
	// "2X9R4HXF34". Required.
	KeyID string
	// IssuerID is the "iss" claim for team keys: the issuer ID shown above
	// the key list in App Store Connect. Empty means an individual key: the
	// payload then carries "sub":"user" and no "iss".
	IssuerID string
	// BundleID is the optional "bid" claim, which the App Store Server API
	// requires: your app's bundle ID. It needs IssuerID: the App Store
	// Server API takes team keys (In-App Purchase keys) only.
	BundleID string
	// PrivateKey signs the tokens. It must be a P-256 key: the
	// *[ecdsa.PrivateKey] from [LoadPrivateKey] or [ParsePrivateKey], or any
	// [crypto.Signer] whose Public() is a P-256 *[ecdsa.PublicKey], such as a key
	// held in a KMS or HSM. Required.
	PrivateKey crypto.Signer
	// Lifetime is exp - iat. Zero means [DefaultLifetime] (20 minutes), which
	// is also the limit, except: 60 minutes when BundleID is set, and 180 days
	// when every Scope entry is a GET on a resource Apple allows long-lived
	// tokens for (Xcode Cloud, SCM, perfPowerMetrics, diagnostic logs).
	Lifetime time.Duration
	// Audience is the "aud" claim: empty for [AudienceAppStoreConnect], or
	// [AudienceEnterprise].
	Audience string
	// Scope is the optional "scope" claim: the only requests the token may
	// make, each "METHOD /path?query", e.g. "GET /v1/apps?filter[platform]=IOS".
	Scope []string
	// Now is the clock; nil means [time.Now]. Tests set it to move time.
	Now func() time.Time
	// Hooks, when set, is told of each token made and each failed attempt.
	Hooks *Hooks
}

// settings is a [Config] checked and with its defaults filled in.
type settings struct {
	keyID    string
	static   claims.Static
	lifetime time.Duration
	now      func() time.Time
	signer   *jws.Signer
	hooks    *Hooks
}

// validate checks everything [NewTokenSource] can know before the first token,
// so that a mistake shows at start-up and not at the first request.
func (c Config) validate() (*settings, error) {
	if err := checkField("KeyID", c.KeyID, maxIDLen, "the key ID shown next to the key in App Store Connect (Users and Access > Integrations)"); err != nil {
		return nil, err
	}
	if c.IssuerID != "" {
		if err := checkField("IssuerID", c.IssuerID, maxIDLen, "the issuer ID shown above the key list, or empty for an individual key"); err != nil {
			return nil, err
		}
	}
	if err := jws.CheckKey(c.PrivateKey); err != nil {
		return nil, fmt.Errorf("ascjwt: Config.PrivateKey: %w", err)
	}
	audience := c.Audience
	switch audience {
	case "":
		audience = AudienceAppStoreConnect
	case AudienceAppStoreConnect, AudienceEnterprise:
	default:
		// A typo here would make every token fail with a 401 that does not
		// say why.
		return nil, fmt.Errorf("ascjwt: Config.Audience %s is not an audience Apple's APIs take; want %q (App Store Connect and App Store Server APIs, the default) or %q (Enterprise Program API)",
			redact.Show(audience, maxIDLen), AudienceAppStoreConnect, AudienceEnterprise)
	}
	if c.BundleID != "" {
		if err := checkField("BundleID", c.BundleID, maxBundleIDLen, "your app's bundle ID, e.g. com.example.app"); err != nil {
			return nil, err
		}
		if c.IssuerID == "" {
			// "Creating API keys to authorize API requests" in the App Store
			// Server API documentation: its keys are In-App Purchase keys,
			// which belong to the team and come with its issuer ID.
			return nil, errors.New("ascjwt: Config.BundleID is set, but IssuerID is empty (an individual key); the App Store Server API takes team keys only: set IssuerID to the issuer ID shown above the In-App Purchase keys in App Store Connect, or leave BundleID empty")
		}
	}
	scopes, err := claims.ParseScopes(c.Scope)
	if err != nil {
		return nil, fmt.Errorf("ascjwt: Config.Scope: %w", err)
	}
	lifetime, err := checkLifetime(c.Lifetime, audience, scopes, c.BundleID)
	if err != nil {
		return nil, err
	}
	signer, err := jws.NewSigner(c.PrivateKey, c.KeyID)
	if err != nil {
		return nil, fmt.Errorf("ascjwt: Config.PrivateKey: %w", err)
	}
	static := claims.Static{Issuer: c.IssuerID, Audience: audience, Scope: c.Scope, BundleID: c.BundleID}
	if c.IssuerID == "" {
		static.Subject = "user"
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	return &settings{keyID: c.KeyID, static: static, lifetime: lifetime, now: now, signer: signer, hooks: c.Hooks}, nil
}

func checkLifetime(d time.Duration, audience string, scopes []claims.Scope, bundleID string) (time.Duration, error) {
	if d == 0 {
		return DefaultLifetime, nil
	}
	if d < 0 {
		return 0, fmt.Errorf("ascjwt: Config.Lifetime %s is negative; leave it zero for the default %s", d, claims.FormatDuration(DefaultLifetime))
	}
	if d < MinLifetime {
		return 0, fmt.Errorf("ascjwt: Config.Lifetime %s is too short: tokens are backdated %s for clock skew and replaced before their last minute, so use at least %s", d, claims.FormatDuration(devtoken.ClockSkew), claims.FormatDuration(MinLifetime))
	}
	if limit, rule := claims.Limit(audience, scopes, bundleID); d > limit {
		return 0, fmt.Errorf("ascjwt: Config.Lifetime %s is over Apple's limit of %s; Apple would refuse these tokens", d, rule)
	}
	return d, nil
}

// Longest IDs accepted: an ID far longer than Apple's (10 characters for a
// key ID, 36 for an issuer ID) is something else in the wrong place, often
// a private key in a swapped CI secret.
const (
	maxIDLen       = configcheck.MaxIDLen
	maxBundleIDLen = configcheck.MaxBundleIDLen
)

// checkField refuses an empty value, white space or control characters,
// which come from copying IDs out of web pages and files and which Apple
// refuses without saying why, and a value longer than max, with
// configcheck's words, which appstore's SignerConfig shares. It never
// quotes the value: a refused value may be a secret in the wrong place.
func checkField(name, value string, max int, want string) error {
	return configcheck.CheckField("ascjwt", "Config", name, value, max, want)
}
