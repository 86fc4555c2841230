package axm

import (
	"crypto"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/exchange"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// Apple's endpoints and values, from Apple's page "Implementing OAuth for the
// Apple School Manager and Apple Business API".
const (
	// TokenURL is Apple's token endpoint, where the client assertion is
	// exchanged for an access token. It is the default of [Config].TokenURL.
	TokenURL = "https://account.apple.com/auth/oauth2/token"
	// Audience is the "aud" claim Apple expects in the client assertion: a
	// URL, but not the one the assertion is posted to. It is the default of
	// [Config].Audience.
	Audience = "https://account.apple.com/auth/oauth2/v2/token"

	// ScopeBusiness is the scope of Apple Business Manager API accounts,
	// whose client IDs start with "BUSINESSAPI.".
	ScopeBusiness = "business.api"
	// ScopeSchool is the scope of Apple School Manager API accounts, whose
	// client IDs start with "SCHOOLAPI.".
	ScopeSchool = "school.api"

	// BusinessURL is the Apple Business Manager API, which takes the access
	// tokens of business.api.
	BusinessURL = "https://api-business.apple.com"
	// SchoolURL is the Apple School Manager API, which takes the access
	// tokens of school.api.
	SchoolURL = "https://api-school.apple.com"
)

// Client ID prefixes, which say which API an account is for.
const (
	businessPrefix = "BUSINESSAPI."
	schoolPrefix   = "SCHOOLAPI."
)

// Assertion lifetimes that [NewTokenSource] accepts.
const (
	// DefaultAssertionLifetime is the lifetime of an assertion when
	// [Config].AssertionLifetime is zero. An assertion is signed for each
	// exchange and used once, within seconds, so it needs to live only long
	// enough to reach Apple through clocks that disagree a little; a short
	// life makes an assertion copied on its way (a proxy's log) worth little.
	DefaultAssertionLifetime = 10 * time.Minute
	// MinAssertionLifetime is the shortest lifetime accepted: iat is
	// backdated by a minute, and the assertion must outlive that and the
	// exchange.
	MinAssertionLifetime = 2 * time.Minute
	// MaxAssertionLifetime is the longest exp - iat Apple accepts in a client
	// assertion: 180 days, from Apple's page.
	MaxAssertionLifetime = 180 * 24 * time.Hour
)

// clockSkew is how far an assertion's iat is backdated, so that a token
// endpoint whose clock runs behind ours does not see an assertion from the
// future.
const clockSkew = time.Minute

// Config describes an Apple School Manager or Apple Business Manager API
// account and how to reach Apple's token endpoint. Pass it to
// [NewTokenSource]; KeyID, ClientID and PrivateKey are required, the rest
// has defaults.
type Config struct {
	// KeyID is the "kid" header: the key ID shown in the API account's
	// details (Preferences > API > Manage). Required.
	KeyID string
	// ClientID is the API account's client ID, "BUSINESSAPI.…" or
	// "SCHOOLAPI.…": the "iss" and "sub" claims of the assertion and the
	// client_id of the exchange. Required.
	ClientID string
	// PrivateKey signs the assertions: the P-256 key downloaded when the API
	// account was made (ascjwt.LoadPrivateKey reads its .pem), or any
	// [crypto.Signer] whose Public() is a P-256 *ecdsa.PublicKey, such as a
	// key in a KMS. Required.
	PrivateKey crypto.Signer
	// AssertionLifetime is exp - iat of each assertion; zero means
	// [DefaultAssertionLifetime]. It must lie between
	// [MinAssertionLifetime] and [MaxAssertionLifetime].
	AssertionLifetime time.Duration
	// Scope is the scope asked for: empty means the one the client ID's
	// prefix calls for, [ScopeBusiness] or [ScopeSchool]; any other value
	// that does not match the prefix is refused.
	Scope string
	// TokenURL is the token endpoint; empty means Apple's, [TokenURL]. It
	// must be https, except on loopback (a test server).
	TokenURL string
	// Audience is the assertion's "aud" claim; empty means Apple's,
	// [Audience].
	Audience string
	// Client sends the exchange; nil means [http.DefaultClient]. It is used
	// as it is, except that a redirect from the token endpoint is not
	// followed: the assertion goes to TokenURL and nowhere else.
	Client *http.Client
	// Now is the clock; nil means [time.Now]. Tests set it to move time.
	Now func() time.Time
	// Hooks, when set, is told of each access token received
	// (TokenMinted, whose SignTime is the time the whole exchange took) and
	// each failed exchange (RefreshFailed).
	Hooks *ascjwt.Hooks
}

// Longest values accepted. Apple's key IDs and the part of a client ID after
// its prefix are UUIDs, 36 characters; a value far longer is something else
// in the wrong place, often a private key in a swapped CI secret. A URL is
// bounded so that an error never has to describe a megabyte.
const (
	maxKeyIDLen    = 64
	maxClientIDLen = 128
	maxURLLen      = exchange.MaxURLLen
)

// settings is a [Config] checked and with its defaults filled in.
type settings struct {
	keyID, clientID, scope string
	tokenURL, audience     string
	lifetime               time.Duration
	signer                 *jws.Signer
	client                 *http.Client
	now                    func() time.Time
	hooks                  *ascjwt.Hooks
}

// validate checks everything [NewTokenSource] can know before the first
// exchange, so that a mistake shows at start-up and not at the first request.
func (c Config) validate() (*settings, error) {
	if err := checkField("KeyID", c.KeyID, maxKeyIDLen, "the key ID shown in the API account's details"); err != nil {
		return nil, err
	}
	if err := checkField("ClientID", c.ClientID, maxClientIDLen, `the API account's client ID, "BUSINESSAPI.…" or "SCHOOLAPI.…"`); err != nil {
		return nil, err
	}
	var scope string
	switch {
	case strings.HasPrefix(c.ClientID, businessPrefix) && len(c.ClientID) > len(businessPrefix):
		scope = ScopeBusiness
	case strings.HasPrefix(c.ClientID, schoolPrefix) && len(c.ClientID) > len(schoolPrefix):
		scope = ScopeSchool
	default:
		return nil, fmt.Errorf("axm: Config.ClientID (%s) does not start with %q or %q followed by the account's ID; copy the client ID from the API account's details in Apple Business Manager or Apple School Manager",
			redact.Describe(c.ClientID), businessPrefix, schoolPrefix)
	}
	switch c.Scope {
	case "", scope:
	case ScopeBusiness, ScopeSchool:
		// Apple would answer invalid_scope at the first exchange.
		return nil, fmt.Errorf("axm: Config.Scope %q does not match the client ID, which is for %q; leave Scope empty to follow the client ID", c.Scope, scope)
	default:
		return nil, fmt.Errorf("axm: Config.Scope (%s) is not a scope Apple's token endpoint grants; leave it empty, or set it to %q for this client ID",
			redact.Describe(c.Scope), scope)
	}
	tokenURL := c.TokenURL
	if tokenURL == "" {
		tokenURL = TokenURL
	}
	if err := checkTokenURL(tokenURL); err != nil {
		return nil, err
	}
	audience := c.Audience
	if audience == "" {
		audience = Audience
	}
	if err := checkField("Audience", audience, maxURLLen, "empty for Apple's audience, "+Audience); err != nil {
		return nil, err
	}
	lifetime := c.AssertionLifetime
	switch {
	case lifetime == 0:
		lifetime = DefaultAssertionLifetime
	case lifetime < MinAssertionLifetime:
		return nil, fmt.Errorf("axm: Config.AssertionLifetime %s is too short: an assertion is backdated %s for clock skew and must outlive the exchange, so use at least %s, or zero for %s",
			lifetime, clockSkew, MinAssertionLifetime, DefaultAssertionLifetime)
	case lifetime > MaxAssertionLifetime:
		return nil, fmt.Errorf("axm: Config.AssertionLifetime %s is over Apple's limit of 180 days; Apple would refuse the assertion", lifetime)
	}
	if err := jws.CheckKey(c.PrivateKey); err != nil {
		return nil, fmt.Errorf("axm: Config.PrivateKey: %w", err)
	}
	// Apple's assertions carry alg and kid and no typ.
	signer, err := jws.NewSignerWith(c.PrivateKey, c.KeyID, jws.Header{})
	if err != nil {
		return nil, fmt.Errorf("axm: Config.PrivateKey: %w", err)
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	return &settings{
		keyID: c.KeyID, clientID: c.ClientID, scope: scope,
		tokenURL: tokenURL, audience: audience, lifetime: lifetime,
		signer: signer, client: exchange.NoRedirects(c.Client), now: now, hooks: c.Hooks,
	}, nil
}

// checkTokenURL refuses a token URL the assertion must not go to, by the
// rule maps's TokenURL follows too ([exchange.CheckTokenURL]): one that is
// not absolute, one with credentials or a fragment, and plain http to
// anything but loopback, where the assertion (a credential for its whole
// life) would cross the network in clear.
func checkTokenURL(s string) error {
	if err := exchange.CheckTokenURL(s); err != nil {
		return fmt.Errorf("axm: Config.TokenURL %w; leave it empty for Apple's token endpoint, %s", err, TokenURL)
	}
	return nil
}

// checkField refuses an empty value, white space or control characters,
// which come from copying IDs out of web pages and files and which Apple
// refuses without saying why, and a value longer than max. It never quotes
// the value: a refused value may be a secret in the wrong place.
func checkField(name, value string, max int, want string) error {
	if value == "" {
		return fmt.Errorf("axm: Config.%s is empty; set it to %s", name, want)
	}
	if redact.LooksLikeKey(value) {
		return fmt.Errorf("axm: Config.%s holds %s; set it to %s, and the key itself in Config.PrivateKey", name, redact.Describe(value), want)
	}
	if len(value) > max {
		return fmt.Errorf("axm: Config.%s is %s, more than the %d it can be; set it to %s", name, redact.Bytes(len(value)), max, want)
	}
	if strings.TrimSpace(value) != value {
		return fmt.Errorf("axm: Config.%s has white space around it; remove it", name)
	}
	for _, r := range value {
		if r < ' ' || r == 0x7f || r == ' ' {
			return fmt.Errorf("axm: Config.%s holds a control character or a space; set it to %s", name, want)
		}
	}
	return nil
}
