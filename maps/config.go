package maps

import (
	"crypto"
	"fmt"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/exchange"
	"github.com/ascjwt/ascjwt/internal/jws"
)

// TokenURL is Apple's token endpoint, "Generate a Maps token": GET it with
// the signed JWT as the bearer for an access token. An empty
// [Config].TokenURL means this one.
const TokenURL = "https://maps-api.apple.com/v1/token"

// BaseURL is the Maps Server API, whose host is [Host]: the base of its
// requests, e.g. BaseURL + "/v1/geocode?q=...".
const BaseURL = "https://" + Host

// Host is the host of the Maps Server API, the one host (with loopback, for
// tests) that [ascjwt.Transport] sends the access tokens to.
const Host = "maps-api.apple.com"

// Lifetimes of the signed JWTs. Apple sets no upper limit (a token made in
// the developer account may never expire); the limits here are ours.
const (
	// DefaultLifetime is exp - iat of a signed JWT when [Config].Lifetime
	// is zero. A server JWT is used only to fetch access tokens, which last
	// 30 minutes, so an hour covers two exchanges; a MapKit JS token lives
	// in a web page, where a short life limits what a copied token is worth.
	DefaultLifetime = time.Hour
	// MinLifetime is the shortest lifetime accepted: iat is backdated a
	// minute for clock skew and a token is not used in its last minute, and
	// needs room between the two to be replaced in the background.
	MinLifetime = 5 * time.Minute
	// MaxLifetime is the longest lifetime accepted, the one year Apple's
	// token maker offers; anything longer is more likely a unit mistake.
	MaxLifetime = 365 * 24 * time.Hour
)

// ExchangeTimeout bounds one exchange at the token endpoint: an endpoint
// that does not respond must not hold every caller that waits for a token,
// nor stop the next exchange from being tried. It is the one timeout of
// every token endpoint in this module.
const ExchangeTimeout = exchange.Timeout

// clockSkew is how far iat is backdated, so that Apple, whose clock may be
// behind ours, never sees a token from the future.
const clockSkew = time.Minute

// Config describes a Maps key and the tokens to make with it. Pass it to
// [NewTokenSource] for Maps Server API access tokens, or to
// [NewJSTokenSource] for MapKit JS tokens. KeyID, TeamID and PrivateKey are
// required.
type Config struct {
	// KeyID is the "kid" header: the 10-character ID of a key with the
	// Maps service (MapKit JS) enabled, from Certificates, Identifiers &
	// Profiles > Keys.
	KeyID string
	// TeamID is the "iss" claim: your 10-character Team ID, shown under
	// Membership in your developer account.
	TeamID string
	// PrivateKey signs the JWTs: the key's .p8 file loaded with
	// [ascjwt.LoadPrivateKey], or any [crypto.Signer] whose Public() is a
	// P-256 key (a KMS or HSM key).
	PrivateKey crypto.Signer
	// Lifetime is exp - iat of the signed JWTs; zero means
	// [DefaultLifetime]. Between [MinLifetime] and [MaxLifetime].
	Lifetime time.Duration
	// TokenURL is the token endpoint; empty means [TokenURL]. Tests point
	// it at a fake (mapstest). It must be https, or http on loopback.
	TokenURL string
	// Client sends the exchange requests; nil means [http.DefaultClient].
	// Its redirects are not followed: the JWT goes to TokenURL only.
	Client *http.Client
	// Now is the clock; nil means [time.Now]. Tests set it to move time.
	Now func() time.Time
	// Hooks, when set, is told of each token made (TokenMinted: for
	// [NewTokenSource], each access token exchanged) and each failed
	// attempt (RefreshFailed). No hook sees a token's value.
	Hooks *ascjwt.Hooks
}

// maxURLLen bounds the TokenURL that String shows.
const maxURLLen = exchange.MaxURLLen

// settings is a [Config] checked, with its defaults filled in.
type settings struct {
	keyID    string
	teamID   string
	signer   *jws.Signer
	tokenURL string
	client   *http.Client
	now      func() time.Time
	lifetime time.Duration
	hooks    *ascjwt.Hooks
}

// validate checks everything that can be known before the first token, so
// that a mistake shows at start-up and not as a 401 at the first request.
func (c Config) validate() (*settings, error) {
	// Apple refuses an ID that is not 10 upper-case letters and digits with
	// a 401 that does not say why.
	if err := configcheck.CheckIDs("maps", idSource,
		c.KeyID, "the 10-character ID of a key with the Maps service enabled (Certificates, Identifiers & Profiles > Keys)",
		c.TeamID, "your 10-character Team ID (Membership in your developer account)"); err != nil {
		return nil, err
	}
	if err := jws.CheckKey(c.PrivateKey); err != nil {
		return nil, fmt.Errorf("maps: Config.PrivateKey: %w", err)
	}
	lifetime := c.Lifetime
	switch {
	case lifetime == 0:
		lifetime = DefaultLifetime
	case lifetime < MinLifetime:
		return nil, fmt.Errorf("maps: Config.Lifetime %s is shorter than %s (or negative): tokens are backdated a minute for clock skew and replaced before their last minute; leave it zero for %s", c.Lifetime, MinLifetime, DefaultLifetime)
	case lifetime > MaxLifetime:
		return nil, fmt.Errorf("maps: Config.Lifetime %s is longer than %s; a key's tokens should not outlive a year (leave it zero for %s)", c.Lifetime, MaxLifetime, DefaultLifetime)
	}
	tokenURL := c.TokenURL
	if tokenURL == "" {
		tokenURL = TokenURL
	} else if err := checkTokenURL(tokenURL); err != nil {
		return nil, err
	}
	signer, err := jws.NewSignerWith(c.PrivateKey, c.KeyID, jws.Header{Type: "JWT"})
	if err != nil {
		return nil, fmt.Errorf("maps: Config.PrivateKey: %w", err)
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	return &settings{keyID: c.KeyID, teamID: c.TeamID, signer: signer, tokenURL: tokenURL,
		client: exchange.NoRedirects(c.Client), now: now, lifetime: lifetime, hooks: c.Hooks}, nil
}

// idSource is the title of Apple's page that asks for "A 10-character key
// identifier" and "a 10-character Team ID".
const idSource = "Creating and using tokens with Maps Server API"

// checkTokenURL refuses a TokenURL that would send the JWT somewhere it
// should not go, or that no request can be made to, by the rule axm's
// TokenURL follows too ([exchange.CheckTokenURL]).
func checkTokenURL(s string) error {
	if err := exchange.CheckTokenURL(s); err != nil {
		return fmt.Errorf("maps: Config.TokenURL %w; leave it empty for Apple's %s", err, TokenURL)
	}
	return nil
}
