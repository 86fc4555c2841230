package asctest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ascjwt/ascjwt/internal/fakejwt"
)

// object is a part's members by their exact names, as internal/fakejwt
// reads them: a JWT's names are case-sensitive and unique (RFC 7515 section
// 4, RFC 7519 section 4), which encoding/json's Unmarshal does not respect.
type object struct {
	members fakejwt.Object
}

// readObject reads part (the header or the payload) as one JSON object,
// with the refusal in this package's words: a name given twice is rule
// "duplicate" (otherwise {"alg":"none","alg":"ES256"} means one thing here
// and another to a verifier that keeps the first), anything else "format".
func readObject(part string, raw []byte) (object, error) {
	members, err := fakejwt.ReadObject(raw)
	var oe *fakejwt.ObjectError
	switch {
	case err == nil:
		return object{members: members}, nil
	case !errors.As(err, &oe):
		return object{}, ruleErr(RuleFormat, "the %s is not the JSON object a JWT needs", part)
	case oe.Problem == fakejwt.Duplicate:
		return object{}, ruleErr(RuleDuplicate, "the %s has the name %s twice; names in a JWT must be unique (RFC 7515 section 4), or verifiers that keep the first and the last disagree", part, quoteShort(oe.Name))
	case oe.Problem == fakejwt.NotUTF8:
		return object{}, ruleErr(RuleFormat, "the %s is not UTF-8, which JSON requires (RFC 8259 section 8.1)", part)
	case oe.Problem == fakejwt.TrailingData:
		return object{}, ruleErr(RuleFormat, "the %s has data after its JSON object", part)
	case oe.Problem == fakejwt.Syntax:
		return object{}, ruleErr(RuleFormat, "the %s is not the JSON object a JWT needs: invalid JSON at byte %d", part, oe.Offset)
	case oe.Problem == fakejwt.Truncated:
		return object{}, ruleErr(RuleFormat, "the %s is not the JSON object a JWT needs: the JSON ends early", part)
	default:
		return object{}, ruleErr(RuleFormat, "the %s is not the JSON object a JWT needs: want {\"name\": value, ...}", part)
	}
}

// has reports whether the member name is present and not null.
func (o object) has(name string) bool {
	raw, ok := o.members[name]
	return ok && !isNull(raw)
}

// get decodes the member name into v when present and not null, and reports
// whether it did. A value of the wrong type is a format error naming the
// member.
func (o object) get(part, name string, v any, want string) (bool, error) {
	if !o.has(name) {
		return false, nil
	}
	if err := json.Unmarshal(o.members[name], v); err != nil {
		return false, ruleErr(RuleFormat, "%s %s is not %s", part, name, want)
	}
	return true, nil
}

// stringMember names a member whose value is a string, and where get
// stores it.
type stringMember struct {
	name string
	dst  *string
}

// getStrings is get for each of members in turn, stopping at the first
// that is present and not a string.
func (o object) getStrings(part string, members ...stringMember) error {
	for _, m := range members {
		if _, err := o.get(part, m.name, m.dst, "a string"); err != nil {
			return err
		}
	}
	return nil
}

// caseHint explains a missing name that the object holds in another case,
// the mistake that case-insensitive decoders hide.
func (o object) caseHint(name string) string {
	var others []string
	for n := range o.members {
		if n != name && strings.EqualFold(n, name) {
			others = append(others, n)
		}
	}
	if len(others) == 0 {
		return ""
	}
	slices.Sort(others)
	return fmt.Sprintf(" (it has %s: names are case-sensitive)", quoteShort(others[0]))
}

// quoteShort quotes a name or value from a token for a message when it is
// short, and otherwise only says how long it is.
func quoteShort(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("a %d-byte value", len(s))
	}
	return fmt.Sprintf("%q", s)
}

func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }
