package appstore

import (
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// SignerConfig describes the In-App Purchase key that signs what StoreKit
// takes. Pass it to [NewSigner]; every field but Now is required.
//
// A SignerConfig prints without its key: with any fmt verb, through
// log/slog, and encoded as JSON, text or gob it shows the IDs and the
// key's type.
type SignerConfig struct {
	// KeyID identifies the key: the "kid" header of the JWS forms and the
	// keyIdentifier of the original promotional offer signature. It is the
	// ID shown next to the In-App Purchase key in App Store Connect (Users
	// and Access > Integrations > In-App Purchase), e.g. "2X9R4HXF34".
	KeyID string
	// IssuerID is the "iss" claim of the JWS forms: the issuer ID shown
	// above the key list in App Store Connect, a UUID.
	IssuerID string
	// BundleID is the app's bundle ID, e.g. "com.example.app": the "bid"
	// claim, and the first field of the original promotional offer
	// signature.
	BundleID string
	// PrivateKey signs: the In-App Purchase key from its .p8 file
	// (SubscriptionKey_<KEYID>.p8, read by ascjwt.LoadPrivateKey), or any
	// [crypto.Signer] whose Public() is a P-256 *ecdsa.PublicKey, such as a
	// key in a KMS.
	PrivateKey crypto.Signer
	// Now is the clock of the JWS forms' "iat" claim; nil means
	// [time.Now].
	Now func() time.Time
}

// What each field of a SignerConfig is set to, for the errors that refuse it.
const (
	wantKeyID    = "the ID shown next to the In-App Purchase key in App Store Connect (Users and Access > Integrations > In-App Purchase)"
	wantIssuerID = "the issuer ID shown above the key list in App Store Connect"
	wantBundleID = "your app's bundle ID, e.g. com.example.app"
	wantKey      = `the In-App Purchase key, e.g. from ascjwt.LoadPrivateKey("SubscriptionKey_KEYID.p8")`
)

// separator joins the fields of the original promotional offer signature:
// U+2063 INVISIBLE SEPARATOR, from "Generating a signature for promotional
// offers". No field may hold it, or the fields would shift.
const separator = "\u2063"

// remoteTimeout bounds a signature by a key outside the process (a KMS or
// HSM), so that one that hangs does not hold the caller for ever. It is
// the root package's bound on a remote token signature.
const remoteTimeout = 30 * time.Second

// Signer makes the signatures an app hands to StoreKit, with one In-App
// Purchase key: promotional offers in both forms, introductory-offer
// eligibility, and Advanced Commerce API in-app requests. Make one with
// [NewSigner] at start-up and share it: it is safe for concurrent use and
// keeps no state between signatures.
//
// A Signer prints as its IDs, never its key.
type Signer struct {
	keyID, issuerID, bundleID string
	key                       crypto.Signer
	jws                       *jws.Signer // header alg ES256, kid, typ JWT
	now                       func() time.Time
}

// NewSigner checks cfg and returns a Signer for it. It refuses what the root
// package's Config refuses in the same fields, with the same words: an
// empty ID, white space around one, a private key pasted into one, a key
// that is not P-256 or is nil. It also refuses U+2063, the separator of
// the original promotional offer signature, in the key ID or bundle ID.
// No error quotes a refused value.
func NewSigner(cfg SignerConfig) (*Signer, error) {
	for _, f := range []struct {
		name, value string
		max         int
		want        string
	}{
		{"KeyID", cfg.KeyID, configcheck.MaxIDLen, wantKeyID},
		{"IssuerID", cfg.IssuerID, configcheck.MaxIDLen, wantIssuerID},
		{"BundleID", cfg.BundleID, configcheck.MaxBundleIDLen, wantBundleID},
	} {
		if err := configcheck.CheckField("appstore", "SignerConfig", f.name, f.value, f.max, f.want); err != nil {
			return nil, err
		}
		if f.name != "IssuerID" && strings.Contains(f.value, separator) {
			return nil, fmt.Errorf("appstore: SignerConfig.%s holds U+2063, which separates the fields of a promotional offer signature; set it to %s", f.name, f.want)
		}
	}
	if noKey(cfg.PrivateKey) {
		return nil, fmt.Errorf("appstore: SignerConfig.PrivateKey: no private key: set it to %s", wantKey)
	}
	signer, err := jws.NewSignerWith(cfg.PrivateKey, cfg.KeyID, jws.Header{Type: "JWT"}) // checks the key first
	if err != nil {
		return nil, fmt.Errorf("appstore: SignerConfig.PrivateKey: %w", err)
	}
	return &Signer{
		keyID:    cfg.KeyID,
		issuerID: cfg.IssuerID,
		bundleID: cfg.BundleID,
		key:      cfg.PrivateKey,
		jws:      signer,
		now:      configcheck.Clock(cfg.Now),
	}, nil
}

// noKey reports whether key is missing: nil, or a nil pointer inside the
// interface (the *ecdsa.PrivateKey a loader returns beside its error), whose
// methods would panic.
func noKey(key crypto.Signer) bool {
	if key == nil {
		return true
	}
	v := reflect.ValueOf(key)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// KeyID returns the key ID the signatures carry: the keyIdentifier to hand
// to StoreKit beside an original promotional offer signature.
func (s *Signer) KeyID() string {
	if s == nil {
		return ""
	}
	return s.keyID
}

// ready refuses a Signer that NewSigner did not make (a nil pointer or a
// zero Signer), which has no key to sign with.
func (s *Signer) ready(method string) error {
	if s == nil || s.jws == nil {
		return fmt.Errorf("appstore: %s: the Signer has no key; make it with NewSigner", method)
	}
	return nil
}

// bounded runs sign, which makes one signature, and returns what it
// returns. A key in memory signs at once; a remote key gets a context that
// ends after remoteTimeout, and is given up on then even if it ignores the
// context (its goroutine ends when it returns). A signer that panics is
// an error, not a crash of the caller.
func (s *Signer) bounded(what string, sign func(ctx context.Context) (string, error)) (string, error) {
	if s.jws.Local() {
		return sign(context.Background())
	}
	ctx, cancel := context.WithTimeout(context.Background(), remoteTimeout)
	defer cancel()
	type result struct {
		sig string
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("appstore: %s: the signer for key %s panicked", what, s.keyID)}
			}
		}()
		sig, err := sign(ctx)
		done <- result{sig, err}
	}()
	select {
	case r := <-done:
		return r.sig, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("appstore: %s: the signer for key %s did not answer within %s", what, s.keyID, remoteTimeout)
	}
}

// String describes the signer by its IDs.
func (s *Signer) String() string {
	if s == nil {
		return "appstore.Signer(nil)"
	}
	return fmt.Sprintf("appstore.Signer{KeyID:%q IssuerID:%q BundleID:%q PrivateKey:%s}", s.keyID, s.issuerID, s.bundleID, redact.Key(s.key))
}

// Format makes every fmt verb print String, so that none falls back to
// printing the struct's fields, the key among them.
// It serves %#v too: fmt asks a Formatter before a GoStringer.
func (s *Signer) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.String()) }

// LogValue shows the signer to log/slog as String does.
func (s *Signer) LogValue() slog.Value { return slog.StringValue(s.String()) }

// String describes the configuration without key material. A field that
// [NewSigner] would refuse (a private key pasted into KeyID, say) is
// described, not shown.
func (c SignerConfig) String() string {
	show := func(name, value string, max int) string {
		return configcheck.Show(value, configcheck.CheckField("", "", name, value, max, "") == nil && !strings.Contains(value, separator))
	}
	return fmt.Sprintf("appstore.SignerConfig{KeyID:%s IssuerID:%s BundleID:%s PrivateKey:%s}",
		show("KeyID", c.KeyID, configcheck.MaxIDLen), show("IssuerID", c.IssuerID, configcheck.MaxIDLen),
		show("BundleID", c.BundleID, configcheck.MaxBundleIDLen), redact.Key(c.PrivateKey))
}

// Format makes every fmt verb print String, so that no verb falls back to
// printing the struct's fields (for %d, String is not used).
// It serves %#v too: fmt asks a Formatter before a GoStringer.
func (c SignerConfig) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue shows the configuration to log/slog as String does.
func (c SignerConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalText encodes the configuration as String does, for every encoder
// that takes text: encoding/json (as a JSON string), slog's handlers and
// encoding/xml.
func (c SignerConfig) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// GobEncode encodes the configuration as String does, so that encoding/gob
// does not write the key.
func (c SignerConfig) GobEncode() ([]byte, error) { return []byte(c.String()), nil }
