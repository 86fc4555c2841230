package musickit

import (
	"crypto"
	"fmt"
	"slices"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/origin"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// BaseURL is the Apple Music API. Its host is the only one, besides
// loopback, that [ascjwt.Transport] sends these tokens to by default.
const BaseURL = "https://api.music.apple.com"

// Lifetime limits that [NewTokenSource] enforces.
const (
	// DefaultLifetime, an hour, is the lifetime of a token when
	// [Config].Lifetime is zero. A token limited to Origins is handed to
	// web pages, where anyone may copy it: an hour keeps a copy short-lived
	// and costs a server one signature an hour.
	DefaultLifetime = configcheck.DefaultLifetime
	// MinLifetime, five minutes, is the shortest lifetime [NewTokenSource]
	// accepts: a token is backdated by a minute and never used in its last
	// minute, and needs room between the two to be replaced in the
	// background.
	MinLifetime = configcheck.MinLifetime
	// MaxLifetime is Apple's limit on exp: "must not be greater than
	// 15777000 (6 months in seconds) from the current Unix time on the
	// server" ("Generating Developer Tokens"). exp - iat is kept within it,
	// and iat is a minute in the past, so a server whose clock is a minute
	// behind ours still sees exp within its limit.
	MaxLifetime = configcheck.SixMonths
)

// clockSkew is how far iat is backdated, so that a server whose clock runs
// up to this much behind ours does not see a token from the future.
const clockSkew = devtoken.ClockSkew

// source is the title of Apple's page for these tokens, which asks for "a
// 10-character key identifier" and "your 10-character Team ID", and sets
// the limit on exp.
const source = "Generating Developer Tokens"

// lifetimes are the limits [configcheck.CheckLifetime] applies.
var lifetimes = configcheck.Lifetimes{Default: DefaultLifetime, Min: MinLifetime, Max: MaxLifetime, Backdate: clockSkew,
	OverMax: "Apple's limit of 15,777,000 seconds (six months, " + MaxLifetime.String() + ") from \"" + source + "\"; Apple would refuse these tokens"}

// Config describes a MusicKit key and the developer tokens to make with it.
// Pass it to [NewTokenSource]; KeyID, TeamID and PrivateKey are required.
type Config struct {
	// KeyID is the "kid" header: the 10-character ID of the MusicKit key,
	// shown in Certificates, Identifiers & Profiles > Keys.
	KeyID string
	// TeamID is the "iss" claim: your 10-character Team ID, shown under
	// Membership in your developer account.
	TeamID string
	// PrivateKey signs the tokens: the P-256 key from the key's .p8 file
	// ([ascjwt.LoadPrivateKey]), or any [crypto.Signer] whose Public() is a
	// P-256 *ecdsa.PublicKey, such as a key in a KMS or HSM.
	PrivateKey crypto.Signer
	// Lifetime is exp - iat. Zero means [DefaultLifetime]; it must be
	// between [MinLifetime] and [MaxLifetime].
	Lifetime time.Duration
	// Origins is the optional "origin" claim, which Apple recommends for
	// tokens handed to web pages: the origins ("https://music.example.com")
	// whose pages may use the token. Each is scheme://host[:port], as a
	// browser sends it in the Origin header: https or http, or the scheme
	// of a browser extension's pages (safari-web-extension and the like),
	// in lower case and without the default port. Empty means no claim.
	Origins []string
	// Now is the clock; nil means [time.Now]. Tests set it to move time.
	Now func() time.Time
	// Hooks, when set, is told of each token made (TokenMinted) and each
	// failed attempt (RefreshFailed).
	Hooks *ascjwt.Hooks
}

// validate checks everything [NewTokenSource] can know before the first
// token, so that a mistake shows at start-up and not as a 401 later, and
// returns how the tokens are made.
func (c Config) validate() (devtoken.Spec, error) {
	return configcheck.DeveloperKey{
		Package: "musickit", Source: source, KeyIDWant: "the 10-character ID of your MusicKit key (Certificates, Identifiers & Profiles > Keys)",
		KeyID: c.KeyID, TeamID: c.TeamID, PrivateKey: c.PrivateKey,
		Header:   jws.Header{}, // Apple's decoded token shows a header of alg and kid only
		Lifetime: c.Lifetime, Lifetimes: lifetimes,
		Also: func() error { return checkOrigins(c.Origins) },
		// A copy, so that a change to the caller's slice does not reach the
		// tokens.
		Claims: devtoken.Claims{Origin: slices.Clone(c.Origins)},
		Hosts:  hosts, Now: c.Now, Hooks: c.Hooks,
	}.Spec()
}

// hosts are where the tokens go: Apple Music API's host.
var hosts = []string{"api.music.apple.com"}

// checkOrigins refuses an origin that no browser would send in its Origin
// header ([origin.CheckBrowser]), since a token limited to it would be
// refused on every page, and an origin listed twice.
func checkOrigins(origins []string) error {
	seen := make(map[string]bool, len(origins))
	for i, o := range origins {
		if err := origin.CheckBrowser(o); err != nil {
			return fmt.Errorf("musickit: Config.Origins[%d] (%s) %w; write each origin as a browser sends it, e.g. https://www.example.net or http://localhost:3000", i, redact.Describe(o), err)
		}
		if seen[o] {
			return fmt.Errorf("musickit: Config.Origins[%d] repeats an earlier entry; list each origin once", i)
		}
		seen[o] = true
	}
	return nil
}
