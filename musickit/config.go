package musickit

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// BaseURL is the Apple Music API. Its host is the only one, besides
// loopback, that [ascjwt.Transport] sends these tokens to by default.
const BaseURL = "https://api.music.apple.com"

// Lifetime limits that [NewTokenSource] enforces.
const (
	// MaxLifetime is Apple's limit on exp: "must not be greater than
	// 15777000 (6 months in seconds) from the current Unix time on the
	// server" ("Generating Developer Tokens"). exp - iat is kept within it,
	// and iat is a minute in the past, so a server whose clock is a minute
	// behind ours still sees exp within its limit.
	MaxLifetime = 15_777_000 * time.Second
	// DefaultLifetime is the lifetime of a token when [Config].Lifetime is
	// zero. A server makes one signature an hour with it; a longer life
	// saves little and leaves a leaked token usable for longer.
	DefaultLifetime = time.Hour
	// MinLifetime is the shortest lifetime [NewTokenSource] accepts: a token
	// is backdated by a minute and never used in its last minute, and needs
	// room between the two to be replaced in the background.
	MinLifetime = devtoken.MinLifetime
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
	// browser sends it in the Origin header. Empty means no claim.
	Origins []string
	// Now is the clock; nil means [time.Now]. Tests set it to move time.
	Now func() time.Time
	// Hooks, when set, is told of each token made (TokenMinted) and each
	// failed attempt (RefreshFailed).
	Hooks *ascjwt.Hooks
}

// String describes the configuration without key material, so that a
// [Config] printed in a log shows which key it uses and nothing secret. A
// field that does not look like what it should hold is described, not
// shown.
func (c Config) String() string {
	origins := make([]string, len(c.Origins))
	for i, o := range c.Origins {
		origins[i] = redact.Show(o, maxOriginLen)
	}
	return fmt.Sprintf("musickit.Config{KeyID:%s TeamID:%s PrivateKey:%s Lifetime:%s Origins:[%s]}",
		configcheck.ShowID(c.KeyID), configcheck.ShowID(c.TeamID), configcheck.ShowKey(c.PrivateKey), c.Lifetime, strings.Join(origins, " "))
}

// Format makes every fmt verb print String: %d or %x on a struct would
// otherwise print its fields, the private key among them.
func (c Config) Format(f fmt.State, verb rune) { configcheck.Format(f, verb, c.String()) }

// LogValue shows the configuration to log/slog as String does.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration as String does, so that no JSON
// encoder reaches the private key.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// MarshalText encodes the configuration as String does, for the encoders
// that take text (encoding/xml).
func (c Config) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// GobEncode encodes the configuration as String does, so that encoding/gob
// does not write the key.
func (c Config) GobEncode() ([]byte, error) { return []byte(c.String()), nil }

// settings is a [Config] checked, with its defaults filled in.
type settings struct {
	keyID    string
	teamID   string
	origins  []string
	lifetime time.Duration
	now      func() time.Time
	signer   *jws.Signer
	hooks    *ascjwt.Hooks
}

// validate checks everything [NewTokenSource] can know before the first
// token, so that a mistake shows at start-up and not as a 401 later.
func (c Config) validate() (*settings, error) {
	if err := configcheck.CheckID("musickit", "KeyID", c.KeyID, "the 10-character ID of your MusicKit key (Certificates, Identifiers & Profiles > Keys)", source); err != nil {
		return nil, err
	}
	if err := configcheck.CheckID("musickit", "TeamID", c.TeamID, "your 10-character Team ID (Membership in your developer account)", source); err != nil {
		return nil, err
	}
	// Apple's decoded token shows a header of alg and kid only.
	signer, err := configcheck.Signer("musickit", c.PrivateKey, c.KeyID, jws.Header{})
	if err != nil {
		return nil, err
	}
	lifetime, err := configcheck.CheckLifetime("musickit", c.Lifetime, lifetimes)
	if err != nil {
		return nil, err
	}
	origins, err := checkOrigins(c.Origins)
	if err != nil {
		return nil, err
	}
	return &settings{keyID: c.KeyID, teamID: c.TeamID, origins: origins, lifetime: lifetime, now: configcheck.Clock(c.Now), signer: signer, hooks: c.Hooks}, nil
}

// maxOriginLen bounds an origin: a DNS name is at most 253 bytes, and a
// scheme and port add a few more.
const maxOriginLen = 300

// checkOrigins refuses an origin that no browser would send in its Origin
// header, since a token limited to it would be refused on every page: a
// path, a query, a trailing slash, upper case, the scheme's default port
// written out. It returns a copy, so that the caller may change its slice.
func checkOrigins(origins []string) ([]string, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(origins))
	out := make([]string, len(origins))
	for i, o := range origins {
		if err := checkOrigin(o); err != nil {
			return nil, fmt.Errorf("musickit: Config.Origins[%d] (%s) %w; write each origin as a browser sends it, e.g. https://www.example.net or http://localhost:3000", i, redact.Describe(o), err)
		}
		if seen[o] {
			return nil, fmt.Errorf("musickit: Config.Origins[%d] repeats an earlier entry; list each origin once", i)
		}
		seen[o] = true
		out[i] = o
	}
	return out, nil
}

func checkOrigin(o string) error {
	if o == "" {
		return errors.New("is empty")
	}
	if len(o) > maxOriginLen || redact.LooksLikeKey(o) {
		return errors.New("is not an origin")
	}
	for i := 0; i < len(o); i++ {
		if o[i] <= ' ' || o[i] >= 0x7f {
			return errors.New("holds white space, a control character or non-ASCII (write an internationalised name in its xn-- form)")
		}
	}
	u, err := url.Parse(o)
	switch {
	case err != nil:
		return errors.New("does not parse as a URL")
	case !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://"):
		return errors.New("does not start with https:// or http:// in lower case")
	case u.Opaque != "" || u.Host == "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("holds a user name or password")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#"):
		return errors.New("has a path, query or fragment (a trailing slash counts)")
	case u.Host != strings.ToLower(u.Host):
		return errors.New("has upper case in its host, which browsers never send")
	case u.Port() == "443" && u.Scheme == "https" || u.Port() == "80" && u.Scheme == "http":
		return errors.New("writes out its scheme's default port, which browsers leave out")
	case strings.HasSuffix(u.Host, ":"):
		return errors.New("has an empty port")
	case !hostName(u.Hostname()):
		return errors.New("has a host that is neither a DNS name nor an IP address (wildcards are not origins)")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || p[0] == '0' {
			return errors.New("has a port that is not 1 to 65535")
		}
	}
	return nil
}

// hostName reports whether h is a DNS name in lower case or an IP address,
// as a browser writes them in an Origin header.
func hostName(h string) bool {
	if strings.Contains(h, ":") {
		_, err := netip.ParseAddr(h)
		return err == nil
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return h != ""
}
