package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// signForm is one of the signatures sign makes, by its name on the command
// line.
type signForm struct {
	name, summary string
	help          string // what the form's --help says beyond the summary
	// flags defines the form's own flags on fs, beside the credential flags.
	flags func(a *signArgs, fs *flag.FlagSet)
	// check refuses a missing or malformed flag before any credential is
	// looked for; sign signs once it passes.
	check func(a *signArgs, fs *flags) error
	sign  func(c *cmd, a *signArgs, s *appstore.Signer) error
}

// signArgs are the values of every form's flags.
type signArgs struct {
	cred                              credFlags
	productID, offerID, transactionID string
	appAccountToken, nonce            string
	timestamp                         int64 // milliseconds since 1970
	json, allow                       bool
	request                           string // a file, or - for stdin
}

// maxRequest bounds an Advanced Commerce request read from a file or stdin:
// Apple's requests are a few kilobytes.
const maxRequest = 1 << 20

func signForms() []signForm {
	product := func(a *signArgs, fs *flag.FlagSet) {
		fs.StringVar(&a.productID, "product-id", "", "the product `ID` as in App Store Connect, e.g. com.example.monthly (required)")
	}
	offer := func(a *signArgs, fs *flag.FlagSet) {
		product(a, fs)
		fs.StringVar(&a.offerID, "offer-id", "", "the promotional offer's `ID` as in App Store Connect (required)")
	}
	need := func(fs *flags, names ...string) error {
		for _, n := range names {
			if !fs.isSet(n) {
				return usagef("--%s is required", n)
			}
		}
		return nil
	}
	return []signForm{
		{
			name:    "promotional-offer",
			summary: "a promotional offer, as a JWS",
			help:    "The app passes it to Product.PurchaseOption.promotionalOffer(_:compactJWS:).",
			flags: func(a *signArgs, fs *flag.FlagSet) {
				offer(a, fs)
				fs.StringVar(&a.transactionID, "transaction-id", "", "the `ID` of any of the customer's transactions, or the appTransactionId (recommended)")
			},
			check: func(a *signArgs, fs *flags) error { return need(fs, "product-id", "offer-id") },
			sign: func(c *cmd, a *signArgs, s *appstore.Signer) error {
				return c.printSigned(s.PromotionalOffer(a.productID, a.offerID, a.transactionID))
			},
		},
		{
			name:    "promotional-offer-v1",
			summary: "a promotional offer in the original form (SKPaymentDiscount, Retention Messaging)",
			help: `The app hands StoreKit the signature with the nonce, the timestamp and the
key ID it was made with: --json prints all four. The offer stays usable for
24 hours from the timestamp.`,
			flags: func(a *signArgs, fs *flag.FlagSet) {
				offer(a, fs)
				fs.StringVar(&a.appAccountToken, "app-account-token", "", "the `UUID` the app sets as the purchase's appAccountToken, if any")
				fs.StringVar(&a.nonce, "nonce", "", "the one-time `UUID` to sign (default: a new one)")
				fs.Int64Var(&a.timestamp, "timestamp", 0, "the signature's time in `milliseconds` since 1970 (default: now)")
				fs.BoolVar(&a.json, "json", false, `print {"signature","nonce","timestamp","keyIdentifier"}, what the app hands StoreKit`)
			},
			check: func(a *signArgs, fs *flags) error {
				if err := need(fs, "product-id", "offer-id"); err != nil {
					return err
				}
				if fs.isSet("timestamp") && a.timestamp <= 0 {
					return usagef("--timestamp: want milliseconds since 1970, e.g. 1698148900000")
				}
				return nil
			},
			sign: (*cmd).signV1,
		},
		{
			name:    "introductory-offer-eligibility",
			summary: "a JWS saying whether the customer may have the introductory offer",
			help:    "The app passes it to Product.PurchaseOption.introductoryOfferEligibility(compactJWS:),\nwhich overrides the App Store's own judgement.",
			flags: func(a *signArgs, fs *flag.FlagSet) {
				product(a, fs)
				fs.BoolVar(&a.allow, "allow", false, "--allow=true to offer the introductory offer, --allow=false to withhold it (required)")
				fs.StringVar(&a.transactionID, "transaction-id", "", "the `ID` of any of the customer's transactions, or the appTransactionId (required)")
			},
			check: func(a *signArgs, fs *flags) error { return need(fs, "product-id", "allow", "transaction-id") },
			sign: func(c *cmd, a *signArgs, s *appstore.Signer) error {
				return c.printSigned(s.IntroductoryOfferEligibility(a.productID, a.allow, a.transactionID))
			},
		},
		{
			name:    "advanced-commerce",
			summary: "an Advanced Commerce API in-app request, as a JWS",
			help:    "The request is the JSON Apple's Advanced Commerce API documents; the app passes\nthe JWS to AdvancedCommerceProduct.purchase(compactJWS:).",
			flags: func(a *signArgs, fs *flag.FlagSet) {
				fs.StringVar(&a.request, "request", "", "the request's JSON `file`, or - for stdin (required)")
			},
			check: func(a *signArgs, fs *flags) error { return need(fs, "request") },
			sign: func(c *cmd, a *signArgs, s *appstore.Signer) error {
				req, err := c.readRequest(a.request)
				if err != nil {
					return err
				}
				return c.printSigned(s.AdvancedCommerceInApp(req))
			},
		},
	}
}

// registerCred defines the credential flags sign takes: those of token
// without --audience, with --bundle-id required.
func (a *signArgs) registerCred(fs *flag.FlagSet) {
	fs.StringVar(&a.cred.keyID, "key-id", "", "the In-App Purchase key's `ID`, e.g. 2X9R4HXF34 (else from the environment or the API key JSON)")
	fs.StringVar(&a.cred.issuerID, "issuer-id", "", "the team's issuer `ID`, shown above the key list in App Store Connect (required)")
	fs.StringVar(&a.cred.key, "key", "", "the In-App Purchase key `file`, SubscriptionKey_<KEYID>.p8")
	fs.StringVar(&a.cred.apiKeyJSON, "api-key-json", "", "a fastlane API key JSON `file` (key_id, issuer_id, key, ...)")
	fs.StringVar(&a.cred.bundleID, "bundle-id", "", "the app's bundle `ID`, e.g. com.example.app (required)")
}

const signDescription = `
Print a signature an app hands to StoreKit, made with the In-App Purchase key,
and a newline. The form comes first:

%s
Credentials are found as for 'ascjwt token' (see 'ascjwt help environment'); --bundle-id
is required, and so is the issuer ID.

  ascjwt sign promotional-offer --bundle-id com.example.app --product-id com.example.monthly --offer-id SPRING_50
  ascjwt sign promotional-offer-v1 --json --bundle-id com.example.app --product-id com.example.monthly --offer-id SPRING_50

Run 'ascjwt sign <form> --help' for a form's flags.`

func (c *cmd) sign(args []string) error {
	forms := signForms()
	if c.collect == nil && len(args) > 0 {
		for _, f := range forms {
			if args[0] == f.name {
				return c.signWith(f, args[1:])
			}
		}
	}
	var list strings.Builder
	for _, f := range forms {
		fmt.Fprintf(&list, "  %-31s %s\n", f.name, f.summary)
	}
	fs := c.newFlags("sign", "<form> [flags]", fmt.Sprintf(signDescription, list.String()))
	if c.collect != nil {
		// Completion offers every form's flags.
		var a signArgs
		a.registerCred(fs.FlagSet)
		for _, f := range forms {
			scratch := flag.NewFlagSet("", flag.ContinueOnError)
			f.flags(&a, scratch)
			scratch.VisitAll(func(fl *flag.Flag) {
				if fs.Lookup(fl.Name) == nil {
					fs.Var(fl.Value, fl.Name, fl.Usage)
				}
			})
		}
	}
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	names := make([]string, len(forms))
	for i, f := range forms {
		names[i] = f.name
	}
	if len(rest) == 0 {
		return usagef("want a form first: %s", strings.Join(names, ", "))
	}
	return usagef("no form %s; want one of %s", describeArg(rest[0]), strings.Join(names, ", "))
}

// signWith runs one form: its flags, then the credentials, then the
// signature.
func (c *cmd) signWith(f signForm, args []string) error {
	var a signArgs
	fs := c.newFlags("sign "+f.name, "[flags]", "Print "+f.summary+", and a newline.\n"+f.help+"\n\nRun 'ascjwt sign --help' for the forms and where credentials come from.")
	a.registerCred(fs.FlagSet)
	f.flags(&a, fs.FlagSet)
	if err := fs.parseFlagsOnly(args); err != nil {
		return err
	}
	// Flag mistakes are reported before any credential is looked for, so
	// that they show even where no key is set up.
	if a.cred.bundleID == "" {
		return usagef("--bundle-id is required: the app's bundle ID, e.g. com.example.app")
	}
	if err := f.check(&a, fs); err != nil {
		return err
	}
	cfg, err := c.config(&a.cred)
	if err != nil {
		return err
	}
	if cfg.IssuerID == "" {
		return usagef("no issuer ID: set --issuer-id or ASC_ISSUER_ID (the issuer ID shown above the key list in App Store Connect)")
	}
	s, err := appstore.NewSigner(appstore.SignerConfig{
		KeyID: cfg.KeyID, IssuerID: cfg.IssuerID, BundleID: cfg.BundleID,
		PrivateKey: cfg.PrivateKey, Now: c.now,
	})
	if err != nil {
		return &configError{err}
	}
	return f.sign(c, &a, s)
}

// printSigned prints a signature, or returns the package's error: with a
// key from a file, signing fails only for what the flags gave it, a
// mistake of the command line (exit 2).
func (c *cmd) printSigned(sig string, err error) error {
	if err != nil {
		return &configError{err}
	}
	_, err = fmt.Fprintln(c.stdout, sig)
	return err
}

// signV1 signs the original form, with a new nonce and the current time
// unless the flags give them.
func (c *cmd) signV1(a *signArgs, s *appstore.Signer) error {
	nonce := a.nonce
	if nonce == "" {
		nonce = appstore.NewNonce()
	}
	ts := c.now()
	if a.timestamp != 0 {
		ts = time.UnixMilli(a.timestamp)
	}
	sig, err := s.PromotionalOfferV1(a.productID, a.offerID, a.appAccountToken, nonce, ts)
	if err != nil {
		return &configError{err}
	}
	if !a.json {
		if a.nonce == "" || a.timestamp == 0 {
			fmt.Fprintln(c.stderr, "ascjwt sign: the nonce and timestamp signed were made here; pass --json to print them with the signature, or give --nonce and --timestamp")
		}
		_, err = fmt.Fprintln(c.stdout, sig)
		return err
	}
	out, err := json.Marshal(struct {
		Signature     string `json:"signature"`
		Nonce         string `json:"nonce"`
		Timestamp     int64  `json:"timestamp"`
		KeyIdentifier string `json:"keyIdentifier"`
	}{sig, strings.ToLower(nonce), ts.UnixMilli(), s.KeyID()})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s\n", out)
	return err
}

// readRequest reads the Advanced Commerce request's JSON from name, or
// stdin for -, and checks that it is JSON. The package re-encodes it
// compactly, as Apple's library does.
func (c *cmd) readRequest(name string) (json.RawMessage, error) {
	data, err := c.readFileOrStdin(name, maxRequest)
	if err != nil {
		return nil, &configError{fmt.Errorf("--request %s: cannot read it: %w; an Advanced Commerce request is a few kilobytes of JSON", redact.Show(name, 1024), err)}
	}
	if !json.Valid(data) {
		return nil, &configError{fmt.Errorf("--request: the %d bytes read are not JSON", len(data))}
	}
	return json.RawMessage(data), nil
}
