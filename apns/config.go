package apns

import (
	"crypto"
	"time"

	"github.com/ascjwt/ascjwt"
)

// Base URLs of the APIs that take these tokens.
const (
	// ProductionURL is APNs for apps from the App Store, TestFlight and
	// ad hoc builds. APNs also listens on port 2197 of the same host, for
	// networks that block 443.
	ProductionURL = "https://api.push.apple.com"
	// SandboxURL is APNs for development builds; port 2197 too.
	SandboxURL = "https://api.sandbox.push.apple.com"
	// DeviceCheckURL is DeviceCheck's per-device bits for production builds.
	DeviceCheckURL = "https://api.devicecheck.apple.com"
	// DeviceCheckDevelopmentURL is DeviceCheck for development builds.
	DeviceCheckDevelopmentURL = "https://api.development.devicecheck.apple.com"
)

// Apple's limits on a token's time, from "Establishing a token-based
// connection to APNs" and "Handling notification responses from APNs".
const (
	// MaxTokenAge is how old a token's iat may be: APNs refuses an older
	// one with 403 ExpiredProviderToken.
	MaxTokenAge = time.Hour
	// MinTokenInterval is the least time between the making of two
	// tokens: APNs answers a connection whose token is replaced by one
	// made sooner after it with 429 TooManyProviderTokenUpdates.
	MinTokenInterval = 20 * time.Minute
)

// Limits on a notification's payload, from Apple's "Sending notification
// requests to APNs": a larger one gets 413 PayloadTooLarge.
const (
	// MaxPayloadSize is the most bytes a notification's payload may hold,
	// for every push type but VoIP.
	MaxPayloadSize = 4096
	// MaxVoIPPayloadSize is the limit for a VoIP push (apns-push-type
	// voip).
	MaxVoIPPayloadSize = 5120
)

// When a token is replaced: in the background from refreshAfter, and
// waited for from expireAfter, so that a token is used for at least
// MinTokenInterval and never within 10 minutes of MaxTokenAge (room for a
// local clock behind Apple's).
const (
	refreshAfter = 40 * time.Minute
	expireAfter  = 50 * time.Minute
)

// Config describes an APNs key and the tokens to make with it. Pass it to
// [NewTokenSource]; KeyID, TeamID and PrivateKey are required.
//
// A Config prints without its key: with any fmt verb, through log/slog, and
// encoded as JSON, text or gob it shows the IDs and the key's type.
type Config struct {
	// KeyID is the "kid" header: the 10-character ID of a key enabled for
	// APNs (or DeviceCheck) in the developer account, e.g. "ABC123DEFG".
	KeyID string
	// TeamID is the "iss" claim: the 10-character team ID of the developer
	// account, shown under Membership, e.g. "DEF123GHIJ".
	TeamID string
	// PrivateKey signs the tokens: the P-256 key of the .p8 file
	// ([ascjwt.LoadPrivateKey]), or any [crypto.Signer] whose Public() is a
	// P-256 *ecdsa.PublicKey, such as a key in a KMS.
	PrivateKey crypto.Signer
	// Now is the clock; nil means [time.Now]. Tests set it to move time.
	Now func() time.Time
	// Hooks, when set, is told of each token made (TokenMinted) and each
	// failed attempt (RefreshFailed).
	Hooks *ascjwt.Hooks
}
