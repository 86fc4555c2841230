package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// maxTokenInput bounds what decode reads from stdin: tokens are well under
// asctest's 8 KiB limit, so more is a mistake such as piping a whole file.
const maxTokenInput = 64 << 10

func (c *cmd) decode(args []string) error {
	fs := c.newFlags("decode", "[--key FILE] [TOKEN|-]", `
Show a token's header and claims as indented JSON on stdout, and when it was
issued and when it expires on stderr. The token is the argument, or stdin when
the argument is "-" or absent; a leading "Bearer " is ignored.

With --key, also verify the token by the rules Apple applies (asctest.Verify):
signature, alg, typ, kid, aud, iss or sub, iat, exp, lifetime and scope. A
token that breaks one exits 1, naming the rule.`)
	keyFile := fs.String("key", "", "verify with this `file`: the .p8 private key, or the public key PEM")
	raw, err := c.parseArgOrStdin(fs, args, "token", maxTokenInput, "a token is well under 8 KiB")
	if err != nil {
		return err
	}
	token := cleanToken(raw)
	if token == "" {
		return errors.New("no token: pass it as the argument, or on stdin")
	}
	parts, err := splitToken(token)
	if err != nil {
		return err
	}
	// Load the key before printing anything, so that a bad key file fails
	// without half an answer.
	var pub *ecdsa.PublicKey
	if *keyFile != "" {
		if pub, err = loadPublicKey(c.resolve(*keyFile)); err != nil {
			return err
		}
	}

	if err := parts.writeJSON(c.stdout); err != nil {
		return err
	}
	notes := writeTimes(c.stderr, parts.claims, c.now())

	if pub == nil {
		fmt.Fprintln(c.stderr, "signature:  not verified; pass --key FILE (the .p8, or the public key) to verify it and Apple's rules")
		if notes.millis {
			return errReported
		}
		return nil
	}
	opts := asctest.VerifyOptions{Now: c.now()}
	var aud string
	if json.Unmarshal(parts.claims["aud"], &aud) == nil && aud == ascjwt.AudienceEnterprise {
		opts.Audience = ascjwt.AudienceEnterprise
	}
	if _, err := asctest.Verify(token, pub, opts); err != nil {
		var re *asctest.RuleError
		if errors.As(err, &re) {
			c.note("ascjwt decode: refused by rule %q: %s", re.Rule, re.Detail)
			return errReported
		}
		return err
	}
	if notes.millis {
		return errReported
	}
	c.note("verified: the signature matches %s and the token follows Apple's rules", *keyFile)
	return nil
}

// cleanToken accepts what people paste: surrounding white space, and a
// copied "Authorization: Bearer " prefix.
func cleanToken(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > len("authorization:") && strings.EqualFold(s[:len("authorization:")], "authorization:") {
		s = strings.TrimSpace(s[len("authorization:"):])
	}
	if len(s) > len("bearer ") && strings.EqualFold(s[:len("bearer ")], "bearer ") {
		s = strings.TrimSpace(s[len("bearer "):])
	}
	return s
}

// tokenParts is a token split and decoded for showing, with no rule
// applied beyond the form: decode shows tokens made by other tools too,
// whatever their claims hold.
type tokenParts struct {
	rawHeader, rawClaims []byte
	claims               map[string]json.RawMessage
}

// splitToken decodes a compact JWS's header and payload, each of which
// must be a JSON object.
func splitToken(token string) (*tokenParts, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("malformed token: want three base64url parts separated by dots, got %d", len(parts))
	}
	var tp tokenParts
	for i, dst := range []*[]byte{&tp.rawHeader, &tp.rawClaims} {
		name := [...]string{"header", "payload"}[i]
		raw, err := base64.RawURLEncoding.Strict().DecodeString(parts[i])
		if err != nil {
			return nil, fmt.Errorf("malformed token: the %s is not base64url", name)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("malformed token: the %s is not a JSON object", name)
		}
		*dst = raw
		if i == 1 {
			tp.claims = obj
		}
	}
	return &tp, nil
}

// writeJSON prints {"header": ..., "claims": ...} with the parts as the
// token holds them: every field in its order, unknown ones included,
// numbers as written.
func (tp *tokenParts) writeJSON(w io.Writer) error {
	out := struct {
		Header json.RawMessage `json:"header"`
		Claims json.RawMessage `json:"claims"`
	}{tp.rawHeader, tp.rawClaims}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // scopes hold '&'
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// millisThreshold tells seconds from milliseconds: 10^11 seconds is the
// year 5138, while 10^11 milliseconds is March 1973, so a time above it
// was written in milliseconds (JavaScript's Date.now()) by any token made
// after 1973.
const millisThreshold = 1e11

// maxSeconds bounds the times decode converts: beyond about 2^53 seconds
// (285 million years) a float64 no longer holds whole seconds, and
// time.Time arithmetic saturates long before.
const maxSeconds = 1 << 53

// timeClaim is iat or exp as a token holds it.
type timeClaim struct {
	name     string
	present  bool
	number   bool    // a JSON number
	seconds  float64 // in seconds, after any millisecond correction
	millis   bool    // written in milliseconds
	fraction bool    // with a fraction of a second
}

func readTime(cl map[string]json.RawMessage, name string) timeClaim {
	tc := timeClaim{name: name}
	raw, ok := cl[name]
	if !ok || string(raw) == "null" {
		return tc
	}
	tc.present = true
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return tc
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return tc
	}
	tc.number = true
	if math.Abs(f) >= millisThreshold {
		tc.millis = true
		f /= 1000
	}
	tc.fraction = !tc.millis && f != math.Trunc(f)
	tc.seconds = f
	return tc
}

// time returns the claim as a time, or false when it is out of the range
// that can be shown.
func (tc timeClaim) time() (time.Time, bool) {
	if !tc.number || math.Abs(tc.seconds) > maxSeconds {
		return time.Time{}, false
	}
	sec, frac := math.Modf(tc.seconds)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// timeNotes is what writeTimes found wrong with a token's times.
type timeNotes struct{ millis bool }

// writeTimes tells when the token was issued and when it expires, relative
// to now, in the words people use, and flags times that Apple would not
// read as meant: milliseconds, fractions, values that are not numbers.
func writeTimes(w io.Writer, cl map[string]json.RawMessage, now time.Time) timeNotes {
	const layout = "2006-01-02 15:04:05 MST"
	iat, exp := readTime(cl, "iat"), readTime(cl, "exp")
	var notes timeNotes
	var msNames []string
	for _, tc := range []timeClaim{iat, exp} {
		if tc.millis {
			notes.millis = true
			msNames = append(msNames, tc.name)
		}
	}
	if len(msNames) > 0 {
		fmt.Fprintf(w, "note:       %s look like milliseconds (JavaScript's Date.now()): JWT times are seconds since 1970, and Apple refuses these; shown below read as milliseconds\n", strings.Join(msNames, " and "))
	}
	for _, tc := range []timeClaim{iat, exp} {
		switch {
		case tc.present && !tc.number:
			fmt.Fprintf(w, "note:       %s is not a number; JWT times are numbers of seconds since 1970\n", tc.name)
		case tc.fraction:
			fmt.Fprintf(w, "note:       %s has a fraction of a second; tokens made by ascjwt and Apple's examples use whole seconds\n", tc.name)
		}
	}

	iatTime, iatOK := iat.time()
	switch {
	case !iat.present:
		fmt.Fprintln(w, "issued:     unknown (no iat)")
	case !iatOK:
		fmt.Fprintln(w, "issued:     out of range")
	case !iatTime.After(now):
		fmt.Fprintf(w, "issued:     %s, %s ago\n", iatTime.Format(layout), human(now.Sub(iatTime)))
	default:
		fmt.Fprintf(w, "issued:     %s, %s in the future\n", iatTime.Format(layout), human(iatTime.Sub(now)))
	}
	expTime, expOK := exp.time()
	switch {
	case !exp.present:
		fmt.Fprintln(w, "expires:    never stated (no exp)")
		return notes
	case !expOK:
		fmt.Fprintln(w, "expires:    out of range")
		return notes
	}
	fmt.Fprintf(w, "expires:    %s\n", expTime.Format(layout))
	if expTime.After(now) {
		fmt.Fprintf(w, "expires in: %s\n", human(expTime.Sub(now)))
	} else {
		fmt.Fprintf(w, "expired:    %s ago\n", human(now.Sub(expTime)))
	}
	if iatOK {
		fmt.Fprintf(w, "lifetime:   %s\n", human(expTime.Sub(iatTime)))
	}
	return notes
}

// human writes d with its largest unit and the next one if not zero:
// "19m 30s", "20m", "2h 5m", "179d 23h". time.Time's Sub saturates at about
// 292 years either way; such a duration is "out of range", not a number of
// days that is not the real one.
func human(d time.Duration) string {
	if d == math.MinInt64 || d == math.MaxInt64 {
		return "out of range"
	}
	d = d.Round(time.Second) // saturates too, at the ends of the range
	if d == math.MinInt64 || d == math.MaxInt64 {
		return "out of range"
	}
	if d < 0 {
		return "-" + human(-d) // in range: d is not the minimum
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.size {
			continue
		}
		s := fmt.Sprintf("%d%s", d/u.size, u.name)
		if i+1 < len(units) {
			if n := d % u.size / units[i+1].size; n > 0 {
				s += fmt.Sprintf(" %d%s", n, units[i+1].name)
			}
		}
		return s
	}
	return "0s"
}

// loadPublicKey reads the key to verify with: a PUBLIC KEY PEM, a
// certificate, or a private key in any form ascjwt.LoadPrivateKey reads. It
// must be on P-256.
func loadPublicKey(path string) (*ecdsa.PublicKey, error) {
	data, err := readBounded(path, maxTokenInput)
	if err != nil {
		return nil, fmt.Errorf("--key %s: cannot read it: %w", redact.Show(path, 1024), err)
	}
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		var pub any
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "CERTIFICATE":
			var cert *x509.Certificate
			if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
				pub = cert.PublicKey
			}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("--key %s: the %s block does not parse", path, strings.ToLower(block.Type))
		}
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("--key %s: the public key is not on P-256; App Store Connect tokens are ES256", path)
		}
		return ec, nil
	}
	if bytes.Contains(data, []byte("PUBLIC KEY-----")) {
		return nil, fmt.Errorf("--key %s: the public key PEM does not parse", path)
	}
	key, err := ascjwt.LoadPrivateKey(path)
	if err != nil {
		return nil, err
	}
	return &key.PublicKey, nil
}
