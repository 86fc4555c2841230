package appstore

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ascjwt/ascjwt/internal/jwsread"
)

// maxSigned bounds the signed string a Verify method reads: Apple's
// payloads, a notification with its nested transaction and renewal info
// among them, are a few kilobytes.
const maxSigned = 1 << 20

// verify runs Apple's checks on one compact JWS, in Apple's order:
// format, chain, signature. The app checks (bundle ID, App Apple ID,
// environment) are the caller's, on the decoded payload in out. The
// payload's own signing date is the time the chain is checked at without
// online checks.
func (v *Verifier) verify(ctx context.Context, what, signed string, out payload) error {
	header, payload, signature, err := split(what, signed)
	if err != nil {
		return err
	}
	if err := decodePayload(what, payload, out); err != nil {
		return err
	}
	if v.unsigned {
		// Xcode and LocalTesting: StoreKit testing signs with a local key,
		// so there is nothing to check but that the header is a JSON
		// object, and the claims, which the caller checks.
		_, err := decodeHeader(header)
		return about(what, err)
	}

	// The moment the chain must be valid at: Apple's libraries take the
	// payload's signing date, so that data signed while a certificate was
	// valid stays verifiable offline, and now with online checks, which
	// ask about revocation now.
	at, when := v.now(), "now"
	if !v.online {
		if t := out.claims().signedAt; !t.IsZero() {
			at, when = t, "the time it was signed"
		}
	}
	ch, err := v.chain(ctx, header)
	if err != nil {
		return about(what, err)
	}
	if err := ch.validAt(at, when); err != nil {
		return about(what, err)
	}
	return about(what, ch.verifySignature(signed[:len(header)+1+len(payload)], signature))
}

// about names the payload in a refusal whose rule says "its".
func about(what string, err error) error {
	ve, ok := err.(*VerificationError)
	if !ok {
		return err
	}
	rule, ok := strings.CutPrefix(ve.Rule, "its ")
	if !ok {
		return err
	}
	return &VerificationError{Status: ve.Status, Rule: "the " + what + "'s " + rule, Err: ve.Err}
}

// split cuts a compact JWS into its three segments.
func split(what, signed string) (header, payload, signature string, err error) {
	if signed == "" {
		return "", "", "", refuse(StatusInvalidFormat, "the signed "+what+" is empty")
	}
	if len(signed) > maxSigned {
		return "", "", "", refuse(StatusInvalidFormat, fmt.Sprintf("the signed %s is %d bytes, more than the %d this package reads; it is not one of Apple's", what, len(signed), maxSigned))
	}
	header, rest, ok := strings.Cut(signed, ".")
	payload, signature, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(signature, ".") {
		return "", "", "", refuse(StatusInvalidFormat, fmt.Sprintf("the signed %s has %d parts separated by '.', not the three of a compact JWS", what, strings.Count(signed, ".")+1))
	}
	return header, payload, signature, nil
}

// decodePayload decodes the payload segment into out and keeps it as Raw.
func decodePayload(what, segment string, out payload) error {
	b, err := jwsread.DecodeSegment(segment)
	if err != nil {
		return refuseWith(StatusInvalidFormat, "the "+what+"'s payload is not base64url", err)
	}
	decode := func() error { return decodeApple(b, out, false) }
	if d, ok := out.(interface{ decode([]byte) error }); ok {
		decode = func() error { return d.decode(b) }
	}
	if err := decodeObject(b, decode); err != nil {
		return refuseWith(StatusInvalidFormat, "the "+what+"'s payload "+err.Error(), nil)
	}
	return nil
}

// decodeObject runs decode on b, which must be a JSON object, and
// describes what is wrong without quoting the input.
func decodeObject(b []byte, decode func() error) error {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	if i == len(b) || b[i] != '{' {
		return errors.New("is not a JSON object")
	}
	err := decode()
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax):
		return fmt.Errorf("is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("has a JSON %s in %s, where Apple sends a %s", kindOf(typ), typ.Field, jsonNameOfGoKind(typ.Type.Kind().String()))
	case errors.As(err, &typ):
		return fmt.Errorf("has a JSON %s where Apple sends a %s", kindOf(typ), jsonNameOfGoKind(typ.Type.Kind().String()))
	case errors.Is(err, errMillis):
		return errors.New("has a date that is not a number of milliseconds")
	}
	return errors.New("is not the JSON object Apple sends")
}

// kindOf is the JSON kind encoding/json found: its Value is "number 1.5"
// for a number, which would quote the payload.
func kindOf(e *json.UnmarshalTypeError) string {
	kind, _, _ := strings.Cut(e.Value, " ")
	return kind
}

func jsonNameOfGoKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return "number"
}

// header is the part of a JWS header Apple's rules read.
type header struct {
	Alg json.RawMessage // "alg"
	X5C json.RawMessage // "x5c"
}

// decodeHeader reads a header segment. Its names are matched exactly, as
// Apple's libraries read them (encoding/json would take "X5C" for "x5c").
func decodeHeader(segment string) (*header, error) {
	b, err := jwsread.DecodeSegment(segment)
	if err != nil {
		return nil, refuseWith(StatusInvalidFormat, "its header is not base64url", err)
	}
	var fields map[string]json.RawMessage
	if err := decodeObject(b, func() error { return json.Unmarshal(b, &fields) }); err != nil {
		return nil, refuse(StatusInvalidFormat, "its header "+err.Error())
	}
	return &header{Alg: fields["alg"], X5C: fields["x5c"]}, nil
}

// isES256 reports whether alg is the JSON string "ES256", the only
// algorithm the App Store signs with.
func isES256(alg json.RawMessage) bool {
	var s string
	return json.Unmarshal(alg, &s) == nil && s == "ES256"
}

// verifySignature checks the JWS signature over signingInput (the header
// and payload segments with their '.') with the leaf certificate's key.
func (ch *verifiedChain) verifySignature(signingInput, segment string) error {
	if !ch.es256 {
		return refuse(StatusVerificationFailure, "its header alg is not ES256, the only algorithm the App Store signs with")
	}
	key, ok := ch.key.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return refuse(StatusVerificationFailure, "its leaf certificate has no ECDSA P-256 key, which ES256 needs")
	}
	sig, err := jwsread.DecodeSegment(segment)
	if err != nil || len(sig) != jwsread.SignatureLen {
		return refuse(StatusVerificationFailure, "its signature is not an ES256 signature: 64 bytes of base64url")
	}
	if !jwsread.VerifyES256(key, signingInput, sig) {
		return refuse(StatusVerificationFailure, "its signature does not verify with its leaf certificate's key; it was changed or not signed by the App Store")
	}
	return nil
}
