package appstore

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"
)

// VerifierConfig says whose signed data a [Verifier] accepts and how it
// checks the certificates.
type VerifierConfig struct {
	// BundleID is your app's bundle ID. Transactions, notifications and app
	// transactions for any other are refused with ErrInvalidAppIdentifier.
	BundleID string

	// AppAppleID is your app's Apple ID, the number in its App Store URL.
	// Required with Production, where it is checked; ignored elsewhere, as
	// the sandbox's data may carry none.
	AppAppleID int64

	// Environment is the one environment accepted: Production or Sandbox
	// for what the App Store signs. A server that serves both runs one
	// Verifier for each and picks by the environment it expects, or tries
	// Production, then Sandbox on ErrInvalidEnvironment.
	//
	// Xcode and LocalTesting turn verification off: StoreKit testing in
	// Xcode signs with a key of its own, so, as in Apple's library, neither
	// the signature nor the certificate chain is checked, only the bundle ID
	// and environment. Never use them for data from a device or the network.
	Environment Environment

	// Roots are the root certificates a chain must lead to. nil means Apple
	// Root CA - G3, built into this package; tests set a test root, such as
	// appstoretest's CA.Roots(). The third certificate of a payload's chain
	// is never trusted because it is there.
	Roots []*x509.Certificate

	// OnlineChecks asks the OCSP responders named in the leaf and the
	// intermediate certificates whether either is revoked, and checks the
	// chain's validity now rather than at the payload's signing date. A
	// failed OCSP round trip is ErrRetryable. Verified chains are kept for
	// 15 minutes, so a burst of notifications costs one round trip.
	OnlineChecks bool

	// HTTPClient sends the OCSP requests. nil means a client with a 30
	// second timeout; each check is bounded by 30 seconds either way.
	HTTPClient *http.Client

	// Now is the verifier's clock, for the chain's validity, OCSP
	// freshness and the chain cache. nil means time.Now.
	Now func() time.Time
}

// The limits of Apple's library, which this package keeps.
const (
	// chainCacheTTL is how long a verified chain is trusted without being
	// checked again: 15 minutes, CACHE_TIME_LIMIT in Apple's ChainVerifier.
	chainCacheTTL = 15 * time.Minute

	// maxCachedChains bounds the cache: Apple's MAXIMUM_CACHE_SIZE, 32. The
	// App Store signs with a few certificates at a time.
	maxCachedChains = 32

	// ocspTimeout bounds each OCSP round trip, as Apple's library's 30
	// seconds do.
	ocspTimeout = 30 * time.Second
)

// A Verifier verifies and decodes what the App Store signs: notifications,
// transactions, renewal infos, app transactions and Retention Messaging
// requests. It is safe for concurrent use; make one per app and
// environment and keep it, so that its chain cache serves every request.
type Verifier struct {
	bundleID   string
	appAppleID int64
	env        Environment
	unsigned   bool // Xcode or LocalTesting: nothing to verify but the claims
	online     bool
	roots      *x509.CertPool
	client     *http.Client
	now        func() time.Time

	chains chainCache
	flight singleflight.Group // one verification of a new chain at a time, online
}

// NewVerifier checks cfg and returns a Verifier. It refuses an empty or
// malformed BundleID, an Environment that is not one of Apple's four,
// Production without AppAppleID, and an empty or nil root.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if err := checkBundleID(cfg.BundleID); err != nil {
		return nil, err
	}
	switch cfg.Environment {
	case Production, Sandbox, Xcode, LocalTesting:
	case "":
		return nil, fmt.Errorf("appstore: VerifierConfig.Environment is empty; set it to appstore.Production or appstore.Sandbox")
	default:
		return nil, fmt.Errorf("appstore: VerifierConfig.Environment is not one of Apple's environments; use appstore.Production, Sandbox, Xcode or LocalTesting")
	}
	if cfg.AppAppleID < 0 {
		return nil, fmt.Errorf("appstore: VerifierConfig.AppAppleID is negative; set it to your app's Apple ID, the number in its App Store URL")
	}
	if cfg.Environment == Production && cfg.AppAppleID == 0 {
		return nil, fmt.Errorf("appstore: VerifierConfig.AppAppleID is required with Production: set it to your app's Apple ID, the number in its App Store URL")
	}
	v := &Verifier{
		bundleID:   cfg.BundleID,
		appAppleID: cfg.AppAppleID,
		env:        cfg.Environment,
		unsigned:   cfg.Environment == Xcode || cfg.Environment == LocalTesting,
		online:     cfg.OnlineChecks,
		roots:      x509.NewCertPool(),
		client:     cfg.HTTPClient,
		now:        cfg.Now,
	}
	switch {
	case cfg.Roots == nil:
		v.roots.AddCert(AppleRootCAG3())
	case len(cfg.Roots) == 0:
		return nil, fmt.Errorf("appstore: VerifierConfig.Roots is empty, so nothing could verify; leave it nil for Apple Root CA - G3")
	}
	for i, r := range cfg.Roots {
		if r == nil {
			return nil, fmt.Errorf("appstore: VerifierConfig.Roots[%d] is nil; remove it", i)
		}
		v.roots.AddCert(r)
	}
	if v.client == nil {
		v.client = &http.Client{Timeout: ocspTimeout}
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

func checkBundleID(id string) error {
	const want = "your app's bundle ID, such as com.example.app"
	switch {
	case id == "":
		return fmt.Errorf("appstore: VerifierConfig.BundleID is empty; set it to %s", want)
	case strings.TrimSpace(id) != id:
		return fmt.Errorf("appstore: VerifierConfig.BundleID has white space around it; remove it")
	case len(id) > 255:
		return fmt.Errorf("appstore: VerifierConfig.BundleID is %d bytes, longer than a bundle ID can be; set it to %s", len(id), want)
	}
	for _, r := range id {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("appstore: VerifierConfig.BundleID holds a control character; set it to %s", want)
		}
	}
	return nil
}

// VerifyNotification verifies an App Store Server Notification V2's
// signedPayload, the string in the JSON body {"signedPayload": "..."} the
// App Store POSTs to your server, and decodes it.
//
// Beyond Apple's library, it also verifies the signedTransactionInfo and
// signedRenewalInfo in data, and the signedAppTransactionInfo in appData,
// by the same rules, and fills Data.Transaction, Data.RenewalInfo and
// AppData.AppTransaction. A refusal of any of them refuses the
// notification, with an error that names which.
//
// Answer the App Store's POST with 200 once the notification is handled,
// and with a 5xx on [ErrRetryable] (or your own failure), so that it is
// sent again; any other error is final.
func (v *Verifier) VerifyNotification(ctx context.Context, signedPayload string) (*Notification, error) {
	n, err := verifyPayload[Notification](ctx, v, "notification", signedPayload)
	if err != nil {
		return nil, err
	}
	if d := n.Data; d != nil {
		if d.SignedTransactionInfo != "" {
			t, err := v.VerifyTransaction(ctx, d.SignedTransactionInfo)
			if err != nil {
				return nil, within("the notification's data.signedTransactionInfo", err)
			}
			d.Transaction = t
		}
		if d.SignedRenewalInfo != "" {
			r, err := v.VerifyRenewalInfo(ctx, d.SignedRenewalInfo)
			if err != nil {
				return nil, within("the notification's data.signedRenewalInfo", err)
			}
			d.RenewalInfo = r
		}
	}
	if a := n.AppData; a != nil && a.SignedAppTransactionInfo != "" {
		t, err := v.VerifyAppTransaction(ctx, a.SignedAppTransactionInfo)
		if err != nil {
			return nil, within("the notification's appData.signedAppTransactionInfo", err)
		}
		a.AppTransaction = t
	}
	return n, nil
}

// VerifyTransaction verifies a signedTransactionInfo (a JWSTransaction)
// from the App Store Server API, a notification or StoreKit on a device,
// and decodes it. Its bundleId and environment must be the verifier's.
func (v *Verifier) VerifyTransaction(ctx context.Context, signed string) (*Transaction, error) {
	return verifyPayload[Transaction](ctx, v, "transaction", signed)
}

// VerifyRenewalInfo verifies a signedRenewalInfo (a JWSRenewalInfo) and
// decodes it. A renewal info names no app, so only its environment is
// checked.
func (v *Verifier) VerifyRenewalInfo(ctx context.Context, signed string) (*RenewalInfo, error) {
	return verifyPayload[RenewalInfo](ctx, v, "renewal info", signed)
}

// VerifyAppTransaction verifies a signed app transaction, from StoreKit's
// AppTransaction or the App Store Server API, and decodes it. Its
// receiptCreationDate is its signing date, and its receiptType its
// environment.
func (v *Verifier) VerifyAppTransaction(ctx context.Context, signed string) (*AppTransaction, error) {
	return verifyPayload[AppTransaction](ctx, v, "app transaction", signed)
}

// VerifyRealtimeRequest verifies the signedPayload of a Retention
// Messaging API real-time request and decodes it. It names no bundle ID:
// its appAppleId is checked in Production, and its environment always.
func (v *Verifier) VerifyRealtimeRequest(ctx context.Context, signed string) (*RealtimeRequest, error) {
	return verifyPayload[RealtimeRequest](ctx, v, "realtime request", signed)
}

// A payload is a decoded type the Verifier decodes a signed payload into
// (with decodeApple), with the claims Apple's rules check.
type payload interface {
	claims() payloadClaims
}

// payloadClaims are what the rules read from a decoded payload: its
// signing date, and whose it is. A payload names its app by bundle ID, by
// App Apple ID, by both or by neither; a nil pointer is a claim the
// payload does not carry, which is not checked.
type payloadClaims struct {
	signedAt   time.Time
	bundleID   *string
	appAppleID *int64
	env        Environment
	noApp      string // set when a payload that must name its app names none: the refusal's rule
}

// verifyPayload is what every Verify method does first: it verifies signed
// as Apple's library does, decodes it into a new T, and checks its claims
// against the verifier's, the app first, then the environment.
func verifyPayload[T any, P interface {
	*T
	payload
}](ctx context.Context, v *Verifier, what, signed string) (*T, error) {
	out := P(new(T))
	if err := v.verify(ctx, what, signed, out); err != nil {
		return nil, err
	}
	c := out.claims()
	if c.noApp != "" {
		return nil, refuse(StatusInvalidAppIdentifier, c.noApp)
	}
	if err := v.checkApp(what, c); err != nil {
		return nil, err
	}
	if err := v.checkEnvironment(what, c.env); err != nil {
		return nil, err
	}
	return out, nil
}

// checkApp is Apple's app identifier rule: the bundle ID where the payload
// carries one, and the App Apple ID in Production where it carries one.
func (v *Verifier) checkApp(what string, c payloadClaims) error {
	if c.bundleID != nil && *c.bundleID != v.bundleID {
		if *c.bundleID == "" {
			return refuse(StatusInvalidAppIdentifier, "the "+what+" has no bundleId, so it cannot be for VerifierConfig.BundleID")
		}
		return refuse(StatusInvalidAppIdentifier, "the "+what+"'s bundleId is not VerifierConfig.BundleID; it is for another app")
	}
	if c.appAppleID != nil && v.env == Production && *c.appAppleID != v.appAppleID {
		return refuse(StatusInvalidAppIdentifier, "the "+what+"'s appAppleId is not VerifierConfig.AppAppleID; it is for another app")
	}
	return nil
}

func (v *Verifier) checkEnvironment(what string, env Environment) error {
	if env == v.env {
		return nil
	}
	if env == "" {
		return refuse(StatusInvalidEnvironment, "the "+what+" names no environment, so it cannot be for VerifierConfig.Environment")
	}
	return refuse(StatusInvalidEnvironment, "the "+what+" is for "+describeEnvironment(env)+", not VerifierConfig.Environment "+string(v.env)+"; verify it with a Verifier for its environment")
}

// describeEnvironment names one of Apple's environments, and describes
// any other string without quoting it.
func describeEnvironment(env Environment) string {
	switch env {
	case Production, Sandbox, Xcode, LocalTesting:
		return string(env)
	}
	return "an environment that is not one of Apple's"
}

// within says that err was found in a part of a notification, keeping its
// status.
func within(part string, err error) error {
	ve, ok := err.(*VerificationError)
	if !ok {
		return err
	}
	return &VerificationError{Status: ve.Status, Rule: part + ": " + ve.Rule, Err: ve.Err}
}
