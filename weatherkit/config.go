package weatherkit

import (
	"crypto"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/jws"
)

// BaseURL is the WeatherKit REST API. Its host is the only one, besides
// loopback, that [ascjwt.Transport] sends these tokens to by default.
const BaseURL = "https://weatherkit.apple.com"

// clockSkew is how far iat is backdated, so that a server whose clock runs
// up to this much behind ours does not see a token from the future.
const clockSkew = devtoken.ClockSkew

// Lifetime limits that [NewTokenSource] enforces.
const (
	// DefaultLifetime, an hour, is the lifetime of a token when
	// [Config].Lifetime is zero. WeatherKit counts every call against the
	// team's allowance, so a leaked token costs calls until it expires: an
	// hour bounds that, at one signature an hour.
	DefaultLifetime = configcheck.DefaultLifetime
	// MinLifetime, five minutes, is the shortest lifetime [NewTokenSource]
	// accepts, since iat is set a minute back for clock skew and a token
	// is replaced in the background before its last minute.
	MinLifetime = configcheck.MinLifetime
	// MaxLifetime bounds exp - iat. Apple's "Request authentication for
	// WeatherKit REST API" sets no limit; this one is ours, six months as
	// for Apple's other developer tokens, since a leaked token works until
	// it expires or its key is revoked.
	MaxLifetime = configcheck.SixMonths
)

// lifetimes are the limits [configcheck.CheckLifetime] applies.
var lifetimes = configcheck.Lifetimes{Default: DefaultLifetime, Min: MinLifetime, Max: MaxLifetime, Backdate: clockSkew,
	OverMax: "the limit of 15,777,000 seconds (six months, " + MaxLifetime.String() + "); Apple sets no limit, this package does, so that a leaked token does not work for longer"}

// Config describes a WeatherKit key, the Service ID it signs for, and the
// developer tokens to make with them. Pass it to [NewTokenSource]; every
// field but Lifetime, Now and Hooks is required.
type Config struct {
	// KeyID is the "kid" header: the 10-character ID of a key with
	// WeatherKit enabled, shown in Certificates, Identifiers & Profiles >
	// Keys.
	KeyID string
	// TeamID is the "iss" claim: your 10-character Team ID, shown under
	// Membership in your developer account.
	TeamID string
	// ServiceID is the "sub" claim, and the "id" header is TeamID + "." +
	// ServiceID: the identifier of a Services ID registered under
	// Identifiers, e.g. "com.example.weatherkit-client".
	ServiceID string
	// PrivateKey signs the tokens: the P-256 key from the key's .p8 file
	// ([ascjwt.LoadPrivateKey]), or any [crypto.Signer] whose Public() is a
	// P-256 *ecdsa.PublicKey, such as a key in a KMS or HSM.
	PrivateKey crypto.Signer
	// Lifetime is exp - iat. Zero means [DefaultLifetime]; it must be
	// between [MinLifetime] and [MaxLifetime].
	Lifetime time.Duration
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
		Package: "weatherkit", KeyIDWant: "the 10-character ID of your WeatherKit key (Certificates, Identifiers & Profiles > Keys)",
		KeyID: c.KeyID, TeamID: c.TeamID, PrivateKey: c.PrivateKey,
		// Apple's header: alg, kid and id, the Team ID and Service ID
		// joined by a period; no typ.
		Header:   jws.Header{Extra: map[string]string{"id": c.TeamID + "." + c.ServiceID}},
		Lifetime: c.Lifetime, Lifetimes: lifetimes,
		Also:   func() error { return checkServiceID(c.ServiceID) },
		Claims: devtoken.Claims{Subject: c.ServiceID},
		Hosts:  hosts, Now: c.Now, Hooks: c.Hooks,
	}.Spec()
}

// hosts are where the tokens go: the WeatherKit REST API's host.
var hosts = []string{"weatherkit.apple.com"}

// checkServiceID refuses a Service ID that is not a reverse-DNS identifier,
// the form Apple registers.
func checkServiceID(v string) error {
	return configcheck.CheckReverseDNS("weatherkit", "ServiceID", v, "the identifier of a Services ID (Certificates, Identifiers & Profiles > Identifiers), e.g. com.example.weatherkit-client")
}
