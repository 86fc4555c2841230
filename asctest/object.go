package asctest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// object is a JSON object's members by their exact names, and the names in
// the order they came.
type object struct {
	members map[string]json.RawMessage
	names   []string
}

// readObject reads part (the header or the payload) as one JSON object.
// encoding/json's Unmarshal would match names regardless of case and let a
// repeated name win silently; a JWT's names are case-sensitive and must be
// unique (RFC 7515 section 4, RFC 7519 section 4), so the members are walked
// with Decoder.Token and kept by their exact names, and a repeated one is
// refused: otherwise {"alg":"none","alg":"ES256"} means one thing here and
// another to a verifier that keeps the first.
func readObject(part string, raw []byte) (object, error) {
	if !utf8.Valid(raw) {
		return object{}, ruleErr(RuleFormat, "the %s is not UTF-8, which JSON requires (RFC 8259 section 8.1)", part)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	notObject := func(err error) error {
		return ruleErr(RuleFormat, "the %s is not the JSON object a JWT needs: %s", part, jsonProblem(err))
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return object{}, notObject(err)
	}
	obj := object{members: make(map[string]json.RawMessage)}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return object{}, notObject(err)
		}
		name, ok := tok.(string)
		if !ok {
			return object{}, notObject(nil)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return object{}, notObject(err)
		}
		if _, dup := obj.members[name]; dup {
			return object{}, ruleErr(RuleDuplicate, "the %s has the name %s twice; names in a JWT must be unique (RFC 7515 section 4), or verifiers that keep the first and the last disagree", part, quoteShort(name))
		}
		obj.members[name] = value
		obj.names = append(obj.names, name)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return object{}, notObject(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return object{}, ruleErr(RuleFormat, "the %s has data after its JSON object", part)
	}
	return obj, nil
}

// jsonProblem says what encoding/json found wrong, without the input.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	switch {
	case err == nil:
		return "want {\"name\": value, ...}"
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	default:
		return "want {\"name\": value, ...}"
	}
}

// get decodes the member name into v when present and not null, and reports
// whether it did. A value of the wrong type is a format error naming the
// member.
func (o object) get(part, name string, v any, want string) (bool, error) {
	raw, ok := o.members[name]
	if !ok || isNull(raw) {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, ruleErr(RuleFormat, "%s %s is not %s", part, name, want)
	}
	return true, nil
}

// caseHint explains a missing name that the object holds in another case,
// the mistake that case-insensitive decoders hide.
func (o object) caseHint(name string) string {
	for _, n := range o.names {
		if n != name && strings.EqualFold(n, name) {
			return fmt.Sprintf(" (it has %s: names are case-sensitive)", quoteShort(n))
		}
	}
	return ""
}

// quoteShort quotes a name or value from a token for a message when it is
// short, and otherwise only says how long it is.
func quoteShort(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("a %d-byte value", len(s))
	}
	return fmt.Sprintf("%q", s)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
