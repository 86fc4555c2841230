package signinwithapple

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/jwsread"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// maxJWTLen bounds the identity tokens and notification payloads read:
// Apple's are about a kilobyte, and nothing past this is decoded.
const maxJWTLen = 16 << 10

// jwt is a compact JWS whose header has been read, waiting for the key its
// kid names: the payload is decoded only once the signature verifies.
type jwt struct {
	kid     string
	input   string // header.payload, what the signature covers
	payload string // the payload part, still encoded
	sig     []byte
}

// parseJWT splits value into a compact JWS and reads its header by the
// rules of Apple's tokens: alg RS256 (refused before any key is looked
// up, so that "none", HS256 with the public key as secret and the like
// never reach a key), a kid, typ absent or "JWT", no crit. Its errors are
// clauses that name the rule broken and quote nothing of the token.
func parseJWT(value string) (*jwt, error) {
	if value == "" {
		return nil, errors.New("the token is empty")
	}
	if len(value) > maxJWTLen {
		return nil, fmt.Errorf("the token is %s, longer than any of Apple's", redact.Bytes(len(value)))
	}
	parts := strings.Split(value, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("the token has %d parts; a JWS in compact form has 3 (header.payload.signature)", len(parts))
	}
	rawHeader, err := jwsread.DecodeSegment(parts[0])
	if err != nil {
		return nil, fmt.Errorf("the header is %w", err)
	}
	header, err := readObject(rawHeader)
	if err != nil {
		return nil, fmt.Errorf("the header %w", err)
	}
	if alg, _ := header.string("alg"); alg != "RS256" {
		return nil, errors.New(`the header's "alg" is not "RS256", the only algorithm Apple signs these tokens with`)
	}
	if _, ok := header["crit"]; ok {
		return nil, errors.New(`the header has "crit", which Apple's tokens do not`)
	}
	if raw, ok := header["typ"]; ok {
		if typ, err := jwsread.StringValue(raw); err != nil || typ != "JWT" {
			return nil, errors.New(`the header's "typ" is present and not "JWT"`)
		}
	}
	kid, ok := header.string("kid")
	if !ok || kid == "" {
		return nil, errors.New(`the header has no "kid" naming the key in Apple's key set`)
	}
	sig, err := jwsread.DecodeSegment(parts[2])
	if err != nil {
		return nil, fmt.Errorf("the signature is %w", err)
	}
	return &jwt{kid: kid, input: parts[0] + "." + parts[1], payload: parts[1], sig: sig}, nil
}

// verify checks the signature with pub (RSASSA-PKCS1-v1_5 with SHA-256,
// RFC 7518 section 3.3) and only then decodes the payload.
func (t *jwt) verify(pub *rsa.PublicKey) (object, []byte, error) {
	digest := sha256.Sum256([]byte(t.input))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], t.sig); err != nil {
		return nil, nil, errors.New("the signature does not verify with the key its kid names in Apple's key set")
	}
	raw, err := jwsread.DecodeSegment(t.payload)
	if err != nil {
		return nil, nil, fmt.Errorf("the payload is %w", err)
	}
	claims, err := readObject(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("the payload %w", err)
	}
	return claims, raw, nil
}

// object is a JSON object's members by their exact names: a JWT's names are
// case-sensitive, which encoding/json's Unmarshal into a struct is not.
type object map[string]json.RawMessage

// maxDepth bounds how deeply a member's value may nest: Apple's claims are
// flat, and the standard decoder's own limit is far deeper.
const maxDepth = 32

// readObject reads b as exactly one JSON object of valid UTF-8 by
// internal/jwsread's strict rules, refusing one that names a member twice
// (which decoders resolve differently: one keeps the first, another the
// last) or is followed by anything, and one whose members nest deeper than
// Apple's. Its errors are phrases to follow "the header", "the payload" or
// "the key set".
func readObject(b []byte) (object, error) {
	obj, err := jwsread.ReadObject(b)
	var oe *jwsread.ObjectError
	switch {
	case err == nil:
	case !errors.As(err, &oe):
		return nil, errors.New("is not valid JSON")
	case oe.Problem == jwsread.NotUTF8:
		return nil, errors.New("is not valid UTF-8")
	case oe.Problem == jwsread.Duplicate:
		return nil, fmt.Errorf("names %s twice", describeName(oe.Name))
	case oe.Problem == jwsread.TrailingData:
		return nil, errors.New("has data after its JSON object")
	case oe.Problem == jwsread.NotObject, !bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")):
		// Text that does not start an object (an HTML error page) is a
		// syntax error to encoding/json, and not a JSON object here.
		return nil, errors.New("is not a JSON object")
	default:
		return nil, errors.New("is not valid JSON")
	}
	for _, v := range obj {
		if depth(v) > maxDepth {
			return nil, errors.New("nests deeper than any of Apple's")
		}
	}
	return object(obj), nil
}

// depth is how deeply raw nests arrays and objects, counted outside strings.
func depth(raw []byte) int {
	d, most, inString, escaped := 0, 0, false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			d++
			most = max(most, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return most
}

// describeName shows a member name quoted when it is short and printable,
// and otherwise only its length: it is the token sender's text.
func describeName(name string) string { return redact.Show(name, 32) }

// string returns member name if it is a JSON string; null, a number or
// anything else is not.
func (o object) string(name string) (string, bool) { return jwsread.Object(o).String(name) }

// optionalString reads member name as a string, "" when absent; present
// and not a string is an error that names it.
func (o object) optionalString(name string) (string, error) {
	raw, ok := o[name]
	if !ok {
		return "", nil
	}
	s, err := jwsread.StringValue(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a string", name)
	}
	return s, nil
}

// member is a member's name and where [readMembers] puts its value.
type member[T any] struct {
	name string
	dst  *T
}

// readMembers reads each of members with read, in order, stopping at the
// first error: the claims and key members that one reader reads.
func readMembers[T any](read func(name string) (T, error), members []member[T]) error {
	for _, m := range members {
		v, err := read(m.name)
		if err != nil {
			return err
		}
		*m.dst = v
	}
	return nil
}

// flag reads member name as Apple writes its flags, a JSON boolean or the
// strings "true" and "false" ("A String or Boolean value", Apple's
// "Authenticating users with Sign in with Apple"); absent is false.
func (o object) flag(name string) (bool, error) {
	switch string(o[name]) {
	case "", "false", `"false"`:
		return false, nil
	case "true", `"true"`:
		return true, nil
	}
	return false, fmt.Errorf("%q is neither a boolean nor the string \"true\" or \"false\"", name)
}

// maxNumericDate is the last second of the year 9999: a larger "exp" or
// "iat" is milliseconds taken for seconds, or no date at all.
const maxNumericDate = 253402300799

// time reads member name as a NumericDate (RFC 7519 section 2): any JSON
// number of seconds since the epoch, fractions included, not a string, a
// negative number or one past the year 9999.
func (o object) time(name string) (time.Time, bool, error) {
	raw, ok := o[name]
	if !ok {
		return time.Time{}, false, nil
	}
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return time.Time{}, true, fmt.Errorf("%q is not a number of seconds", name)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}, true, fmt.Errorf("%q is not a number of seconds", name)
	}
	if f < 0 || f > maxNumericDate {
		return time.Time{}, true, fmt.Errorf("%q is not a time between 1970 and 9999 (milliseconds given for seconds?)", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// requiredTime is [object.time] for a claim that must be there.
func (o object) requiredTime(name string) (time.Time, error) {
	t, ok, err := o.time(name)
	if err == nil && !ok {
		err = fmt.Errorf("%q is missing", name)
	}
	return t, err
}
