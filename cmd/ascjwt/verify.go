package main

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// rootFileEnv names the root certificate file verify trusts when --root is
// not given: ascjwt serve writes its test root and sets it, so that verify
// checks what the fake signs with no flag.
const rootFileEnv = "ASC_ROOT_CA_FILE"

// maxSignedInput bounds what verify reads from stdin, as appstore does.
const maxSignedInput = 1 << 20

func (c *cmd) verify(args []string) error {
	fs := c.newFlags("verify", "[--bundle-id ID] [--app-apple-id N] [--environment E] [--root FILE]... [--online] [SIGNED|-]", `
Verify what the App Store signs, by the rules of Apple's App Store Server
Library, and print its payload as indented JSON on stdout, with the signed
transaction, renewal info or app transaction a notification carries decoded
in place. SIGNED is the argument, or stdin when it is "-" or absent: a bare
JWS (a notification's signedPayload, a signedTransactionInfo, a
signedRenewalInfo, a signed app transaction, a Retention Messaging request)
or the body the App Store POSTs, {"signedPayload": "..."}. Its kind is told
from its fields.

The chain must lead to Apple Root CA - G3, or to the roots given by --root
(PEM or DER; repeat for more) or $ASC_ROOT_CA_FILE, which ascjwt serve sets.
Without --bundle-id, --environment or (in Production) --app-apple-id, the
payload's own values stand in, with a notice that the app check was skipped;
an Xcode or LocalTesting payload, which is not signed by the App Store, is
refused unless --environment names that environment.

Exit status 0 when it verifies; 1 when it does not, with the rule broken and
Apple's status name (VERIFICATION_FAILURE, INVALID_CHAIN_LENGTH, ...) on
stderr; 2 on a usage mistake.`)
	bundleID := fs.String("bundle-id", "", "the app's bundle `ID`; default: the payload's own, with a notice")
	appAppleID := fs.Int64("app-apple-id", 0, "the app's Apple `ID`, checked in Production; default: the payload's own, with a notice")
	env := fs.String("environment", "", "Production, Sandbox, Xcode or LocalTesting; default: the payload's own, Production or Sandbox")
	var roots stringList
	fs.Var(&roots, "root", "trust this root certificate `file` (PEM or DER) instead of Apple's; repeat for more")
	online := fs.Bool("online", false, "ask the certificates' OCSP responders whether they are revoked, and check the chain's validity now")
	raw, err := c.parseArgOrStdin(fs, args, "signed payload", maxSignedInput, "what the App Store signs is a few KiB")
	if err != nil {
		return err
	}
	signed, err := signedInput(raw)
	if err != nil {
		return err
	}
	if signed == "" {
		return usagef("no signed payload: pass it as the argument, or on stdin")
	}

	cfg := appstore.VerifierConfig{
		BundleID:     *bundleID,
		AppAppleID:   *appAppleID,
		Environment:  appstore.Environment(*env),
		OnlineChecks: *online,
		Now:          c.now,
	}
	from := "--root"
	if len(roots) == 0 {
		if v, ok := c.lookupEnv(rootFileEnv); ok && v != "" {
			roots, from = stringList{v}, rootFileEnv
		}
	}
	for _, name := range roots {
		certs, err := c.loadRoots(name, from)
		if err != nil {
			return &configError{err}
		}
		cfg.Roots = append(cfg.Roots, certs...)
	}

	kind, own := peek(signed)
	if kind == "" {
		return errors.New("the payload is neither a notification, a transaction, a renewal info, an app transaction nor a Retention Messaging request: none of their fields are in it")
	}
	if cfg.Environment == "" {
		switch own.environment {
		case appstore.Production, appstore.Sandbox:
			cfg.Environment = own.environment
			fmt.Fprintf(c.stderr, "notice: no --environment: checking for the %s's own, %s\n", kind, own.environment)
		case appstore.Xcode, appstore.LocalTesting:
			return fmt.Errorf("the %s is for %s, which StoreKit testing signs with a key of its own and nothing verifies; pass --environment %s to read it anyway", kind, own.environment, own.environment)
		default:
			return fmt.Errorf("the %s names no environment Apple uses, so there is none to check it for; pass --environment Production or Sandbox", kind)
		}
	}
	if cfg.BundleID == "" {
		if kind.namesApp() {
			fmt.Fprintf(c.stderr, "notice: no --bundle-id: the app check was skipped (the %s's own bundle ID stands in)\n", kind)
		}
		cfg.BundleID = own.bundleID
		if cfg.BundleID == "" {
			cfg.BundleID = "-" // not checked for this kind, or refused as missing
		}
	}
	if cfg.AppAppleID == 0 && cfg.Environment == appstore.Production {
		fmt.Fprintf(c.stderr, "notice: no --app-apple-id: the App Apple ID check was skipped (the %s's own stands in)\n", kind)
		cfg.AppAppleID = own.appAppleID
		if cfg.AppAppleID <= 0 {
			cfg.AppAppleID = 1 // the payload has none: the check refuses it
		}
	}
	if cfg.Environment == appstore.Xcode || cfg.Environment == appstore.LocalTesting {
		fmt.Fprintf(c.stderr, "warning: --environment %s checks no signature and no certificate: nothing shows the App Store signed this\n", cfg.Environment)
	}
	v, err := appstore.NewVerifier(cfg)
	if err != nil {
		return &configError{err}
	}

	out, summary, err := kind.verify(c, v, signed)
	var ve *appstore.VerificationError
	if errors.As(err, &ve) {
		msg := ve.Rule
		if ve.Err != nil {
			msg += ": " + ve.Err.Error()
		}
		fmt.Fprintf(c.stderr, "ascjwt verify: refused, %s: %s\n", ve.Status, escapeText(msg))
		return errReported
	}
	if err != nil {
		return err
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, out, "", "  "); err != nil {
		return err
	}
	indented.WriteByte('\n')
	if _, err := c.stdout.Write(indented.Bytes()); err != nil {
		return err
	}
	fmt.Fprintln(c.stderr, "verified: "+escapeText(summary))
	return nil
}

// signedInput takes a bare JWS or the App Store's notification body,
// {"signedPayload": "..."}, with white space around either.
func signedInput(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if !strings.HasPrefix(s, "{") {
		return s, nil
	}
	var body struct {
		SignedPayload *string `json:"signedPayload"`
	}
	if err := json.Unmarshal([]byte(s), &body); err != nil || body.SignedPayload == nil {
		return "", errors.New(`the input is JSON but not the App Store's body {"signedPayload": "..."}`)
	}
	return strings.TrimSpace(*body.SignedPayload), nil
}

// signedKind is what a payload is, told from its fields.
type signedKind string

const (
	kindNotification   signedKind = "notification"
	kindTransaction    signedKind = "transaction"
	kindRenewalInfo    signedKind = "renewal info"
	kindAppTransaction signedKind = "app transaction"
	kindRealtime       signedKind = "realtime request"
)

// namesApp reports whether the kind carries a bundle ID that is checked.
func (k signedKind) namesApp() bool { return k != kindRenewalInfo && k != kindRealtime }

// ownClaims is what a payload says about itself, read before it is
// verified, to stand in for flags not given.
type ownClaims struct {
	bundleID    string
	appAppleID  int64
	environment appstore.Environment
}

// peek reads the payload without verifying it, to tell its kind and its
// own app fields. Anything it cannot read is left to the verifier to
// refuse: kind "" only when the payload decodes and has no field of any
// kind.
func peek(signed string) (signedKind, ownClaims) {
	parts := strings.Split(signed, ".")
	if len(parts) != 3 {
		return kindTransaction, ownClaims{} // the verifier says what is wrong
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return kindTransaction, ownClaims{}
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(payload, &fields) != nil {
		return kindTransaction, ownClaims{}
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := fields[n]; ok {
				return true
			}
		}
		return false
	}
	var own struct {
		BundleID    string               `json:"bundleId"`
		AppAppleID  int64                `json:"appAppleId"`
		Environment appstore.Environment `json:"environment"`
		ReceiptType appstore.Environment `json:"receiptType"`
	}
	json.Unmarshal(payload, &own)
	claims := ownClaims{own.BundleID, own.AppAppleID, own.Environment}
	switch {
	case has("notificationType", "data", "summary", "externalPurchaseToken", "appData"):
		var n appstore.Notification
		json.Unmarshal(payload, &n)
		switch {
		case n.Data != nil:
			claims = ownClaims{n.Data.BundleID, n.Data.AppAppleID, n.Data.Environment}
		case n.Summary != nil:
			claims = ownClaims{n.Summary.BundleID, n.Summary.AppAppleID, n.Summary.Environment}
		case n.ExternalPurchaseToken != nil:
			claims = ownClaims{n.ExternalPurchaseToken.BundleID, n.ExternalPurchaseToken.AppAppleID, appstore.Production}
			if strings.HasPrefix(n.ExternalPurchaseToken.ExternalPurchaseID, "SANDBOX") {
				claims.environment = appstore.Sandbox
			}
		case n.AppData != nil:
			claims = ownClaims{n.AppData.BundleID, n.AppData.AppAppleID, n.AppData.Environment}
		}
		return kindNotification, claims
	case has("receiptType", "receiptCreationDate"):
		claims.environment = own.ReceiptType
		return kindAppTransaction, claims
	case has("transactionId", "purchaseDate"):
		return kindTransaction, claims
	case has("autoRenewStatus", "autoRenewProductId", "renewalDate", "expirationIntent"):
		return kindRenewalInfo, claims
	case has("userLocale", "requestIdentifier"):
		return kindRealtime, claims
	}
	return "", claims
}

// verify verifies signed as k and returns the payload to print, with a
// notification's nested signed fields replaced by what they decode to.
func (k signedKind) verify(c *cmd, v *appstore.Verifier, signed string) (out []byte, summary string, err error) {
	switch k {
	case kindNotification:
		n, err := v.VerifyNotification(c.ctx, signed)
		if err != nil {
			return nil, "", err
		}
		out = n.Raw
		if d := n.Data; d != nil {
			if d.Transaction != nil {
				out = inPlace(out, d.SignedTransactionInfo, d.Transaction.Raw)
			}
			if d.RenewalInfo != nil {
				out = inPlace(out, d.SignedRenewalInfo, d.RenewalInfo.Raw)
			}
		}
		if a := n.AppData; a != nil && a.AppTransaction != nil {
			out = inPlace(out, a.SignedAppTransactionInfo, a.AppTransaction.Raw)
		}
		what := string(n.NotificationType)
		if n.Subtype != "" {
			what += "/" + string(n.Subtype)
		}
		return out, fmt.Sprintf("a %s notification, signed %s", what, when(n.SignedDate)), nil
	case kindTransaction:
		t, err := v.VerifyTransaction(c.ctx, signed)
		if err != nil {
			return nil, "", err
		}
		return t.Raw, fmt.Sprintf("a transaction of %s, signed %s", t.ProductID, when(t.SignedDate)), nil
	case kindRenewalInfo:
		r, err := v.VerifyRenewalInfo(c.ctx, signed)
		if err != nil {
			return nil, "", err
		}
		return r.Raw, fmt.Sprintf("a renewal info for %s, signed %s", r.AutoRenewProductID, when(r.SignedDate)), nil
	case kindAppTransaction:
		a, err := v.VerifyAppTransaction(c.ctx, signed)
		if err != nil {
			return nil, "", err
		}
		return a.Raw, fmt.Sprintf("an app transaction for %s, signed %s", a.BundleID, when(a.ReceiptCreationDate)), nil
	}
	r, err := v.VerifyRealtimeRequest(c.ctx, signed)
	if err != nil {
		return nil, "", err
	}
	return r.Raw, fmt.Sprintf("a realtime request for %s, signed %s", r.ProductID, when(r.SignedDate)), nil
}

// inPlace replaces the JSON string holding jws in payload with decoded. A
// compact JWS holds no character JSON escapes, so its string is the JWS in
// quotes.
func inPlace(payload []byte, jws string, decoded []byte) []byte {
	return bytes.Replace(payload, []byte(`"`+jws+`"`), decoded, 1)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "at no stated time"
	}
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// loadRoots reads a root certificate file: PEM (one or more certificates)
// or DER. Its contents are never shown.
func (c *cmd) loadRoots(name, from string) ([]*x509.Certificate, error) {
	shown := redact.Show(name, 1024)
	data, err := readBounded(c.resolve(name), maxCAFile)
	if err != nil {
		return nil, fmt.Errorf("%s %s: cannot read it: %w; name a root certificate file, PEM or DER, such as the root-ca.pem that ascjwt serve writes", from, shown, err)
	}
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s %s holds a PEM certificate that does not parse: %w", from, shown, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) > 0 {
		return certs, nil
	}
	if cert, err := x509.ParseCertificate(data); err == nil {
		return []*x509.Certificate{cert}, nil
	}
	what := "neither a PEM certificate nor a DER one"
	if redact.LooksLikeKey(string(data)) {
		what = "what looks like a private key, not a certificate"
	}
	return nil, fmt.Errorf("%s %s (%s) holds %s; name a root certificate file", from, shown, redact.Bytes(len(data)), what)
}
