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
	"os"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
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
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return usagef("want one token, got %d arguments", len(rest))
	}
	var raw string
	if len(rest) == 1 {
		raw = rest[0]
	}
	if raw == "" || raw == "-" {
		data, err := io.ReadAll(io.LimitReader(c.stdin, maxTokenInput+1))
		if err != nil {
			return fmt.Errorf("read the token from stdin: %w", err)
		}
		if len(data) > maxTokenInput {
			return fmt.Errorf("stdin holds over %d bytes; a token is well under 8 KiB", maxTokenInput)
		}
		raw = string(data)
	}
	token := cleanToken(raw)
	if token == "" {
		return errors.New("no token: pass it as the argument, or on stdin")
	}
	tok, err := asctest.Parse(token)
	if err != nil {
		return fmt.Errorf("malformed token: %v", ruleDetail(err))
	}
	// Load the key before printing anything, so that a bad key file fails
	// without half an answer.
	var pub *ecdsa.PublicKey
	if *keyFile != "" {
		if pub, err = loadPublicKey(c.resolve(*keyFile)); err != nil {
			return err
		}
	}

	if err := writeTokenJSON(c.stdout, token); err != nil {
		return err
	}
	writeTimes(c.stderr, tok.Claims, c.now())

	if pub == nil {
		return nil
	}
	opts := asctest.VerifyOptions{Now: c.now()}
	if tok.Claims.Audience == ascjwt.AudienceEnterprise {
		opts.Audience = ascjwt.AudienceEnterprise
	}
	if _, err := asctest.Verify(token, pub, opts); err != nil {
		var re *asctest.RuleError
		if errors.As(err, &re) {
			fmt.Fprintf(c.stderr, "ascjwt decode: refused by rule %q: %s\n", re.Rule, re.Detail)
			return errReported
		}
		return err
	}
	fmt.Fprintf(c.stderr, "verified: the signature matches %s and the token follows Apple's rules\n", *keyFile)
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

func ruleDetail(err error) string {
	var re *asctest.RuleError
	if errors.As(err, &re) {
		return re.Detail
	}
	return err.Error()
}

// writeTokenJSON prints {"header": ..., "claims": ...} with the parts as the
// token holds them, every field in its order, unknown ones included. The
// caller has checked with asctest.Parse that both parts are JSON objects.
func writeTokenJSON(w io.Writer, token string) error {
	parts := strings.SplitN(token, ".", 3)
	if len(parts) != 3 {
		return errors.New("malformed token: want header.payload.signature")
	}
	var out struct {
		Header json.RawMessage `json:"header"`
		Claims json.RawMessage `json:"claims"`
	}
	for i, dst := range []*json.RawMessage{&out.Header, &out.Claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return errors.New("malformed token: a part is not base64url")
		}
		*dst = raw
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // scopes hold '&'
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeTimes tells when the token was issued and when it expires, relative
// to now, in the words people use.
func writeTimes(w io.Writer, cl asctest.Claims, now time.Time) {
	const layout = "2006-01-02 15:04:05 MST"
	if cl.IssuedAt != 0 {
		iat := time.Unix(cl.IssuedAt, 0).UTC()
		if d := now.Sub(iat); d >= 0 {
			fmt.Fprintf(w, "issued:     %s, %s ago\n", iat.Format(layout), human(d))
		} else {
			fmt.Fprintf(w, "issued:     %s, %s in the future\n", iat.Format(layout), human(-d))
		}
	} else {
		fmt.Fprintln(w, "issued:     unknown (no iat)")
	}
	if cl.Expiry == 0 {
		fmt.Fprintln(w, "expires:    never stated (no exp)")
		return
	}
	exp := time.Unix(cl.Expiry, 0).UTC()
	fmt.Fprintf(w, "expires:    %s\n", exp.Format(layout))
	if d := exp.Sub(now); d > 0 {
		fmt.Fprintf(w, "expires in: %s\n", human(d))
	} else {
		fmt.Fprintf(w, "expired:    %s ago\n", human(-d))
	}
	if cl.IssuedAt != 0 {
		fmt.Fprintf(w, "lifetime:   %s\n", human(exp.Sub(time.Unix(cl.IssuedAt, 0))))
	}
}

// human writes d with its largest unit and the next one if not zero:
// "19m 30s", "20m", "2h 5m", "179d 23h".
func human(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		return "-" + human(-d)
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
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--key: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTokenInput+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("--key: %w", err)
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
