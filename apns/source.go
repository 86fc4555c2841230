package apns

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// NewTokenSource checks cfg and returns an [ascjwt.TokenSource] of APNs
// provider tokens, which DeviceCheck takes too. It refuses, with an error
// that names the limit and where it comes from, what Apple would refuse
// later: a key ID or team ID that is not 10 upper-case letters and digits,
// a key that is not P-256. It makes no token yet; the first call to Token
// does.
//
// The source is also an [ascjwt.Invalidator], an [ascjwt.HostScoped], an
// [ascjwt.RefusalJudge] and an [ascjwt.RetryPolicy], so that
// [ascjwt.Transport] sends its tokens to Apple's APNs and DeviceCheck hosts
// only, retries a refused one once, and hands a 429 back at once. A token
// is handed out for 40 minutes and replaced in the background, used for 50
// at most, and never replaced within [MinTokenInterval] of the last.
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	return devtoken.Checked(cfg.validate())
}

// idSource is the title of Apple's page that asks for "A 10-character
// string with the Key ID", and an iss of "your 10-character Team ID".
const idSource = "Establishing a token-based connection to APNs"

// validate checks everything that can be known before the first token, so
// that a mistake shows at start-up and not as a 403 at the first push. It
// is here beside spec, not in config.go as in the other packages, since
// APNs' tokens are not [configcheck.DeveloperKey]'s: no lifetime, no exp.
func (c Config) validate() (devtoken.Spec, error) {
	if err := configcheck.CheckIDs("apns", idSource,
		c.KeyID, "the 10-character key ID shown next to the key in the developer account (Certificates, Identifiers & Profiles > Keys)",
		c.TeamID, "the 10-character team ID shown under Membership in the developer account"); err != nil {
		return devtoken.Spec{}, err
	}
	// Apple's token shows a header of alg and kid only: no typ.
	signer, err := configcheck.Signer("apns", c.PrivateKey, c.KeyID, jws.Header{})
	if err != nil {
		return devtoken.Spec{}, err
	}
	return c.spec(signer)
}

// spec says how the tokens of c, checked, are made with signer and used.
func (c Config) spec(signer *jws.Signer) (devtoken.Spec, error) {
	iss, err := json.Marshal(c.TeamID)
	if err != nil {
		return devtoken.Spec{}, fmt.Errorf("apns: encode claims: %w", err)
	}
	prefix := append(append([]byte(`{"iss":`), iss...), `,"iat":`...) // encoded once
	return devtoken.Spec{
		Package: "apns", KeyID: c.KeyID, Signer: signer,
		// No exp: the token's Expiry says when Apple stops taking it, and
		// iat is not backdated (see the package doc).
		Payload: func(iat, _ int64) ([]byte, error) {
			return append(strconv.AppendInt(append(make([]byte, 0, len(prefix)+24), prefix...), iat, 10), '}'), nil
		},
		Lifetime: MaxTokenAge,
		// Handed out until refreshAfter and used until expireAfter, both
		// measured from now on the clock that read it.
		Use: func(now, _ time.Time) tokencache.Lifetimes {
			return tokencache.Lifetimes{RefreshAt: now.Add(refreshAfter), ExpireAt: now.Add(expireAfter)}
		},
		MinInterval: MinTokenInterval,
		Hosts:       tokenHosts, Refused: refusedToken, Retry429: retry429,
		Now: configcheck.Clock(c.Now), Hooks: c.Hooks,
	}, nil
}

// retry429 is the source's [ascjwt.RetryPolicy]: never. APNs answers 429
// for too many pushes to one device token (TooManyRequests) and for a
// connection whose token changes too often (TooManyProviderTokenUpdates); a
// wait of seconds cures neither, and each push sent again may reach the user
// as one more notification. So the 429 goes back to the caller at once, to
// decide (Apple's "Handling notification responses from APNs" allows sending
// a TooManyRequests push again after a delay). DeviceCheck's 429s come back
// the same way.
func retry429(*http.Response) bool { return false }

// tokenHosts are the hosts the tokens are for: APNs ([ProductionURL],
// [SandboxURL]) on its two ports, and DeviceCheck ([DeviceCheckURL],
// [DeviceCheckDevelopmentURL]) on 443.
var tokenHosts = []string{
	"api.push.apple.com:443", "api.push.apple.com:2197",
	"api.sandbox.push.apple.com:443", "api.sandbox.push.apple.com:2197",
	"api.devicecheck.apple.com:443", "api.development.devicecheck.apple.com:443",
}
