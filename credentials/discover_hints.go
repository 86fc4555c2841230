package credentials

import (
	"fmt"
	"strings"

	"github.com/ascjwt/ascjwt/internal/keyparse"
)

// The messages that say where a value was looked for.

func (l *loader) noKeyID() error {
	var vars []string
	for _, f := range envFamilies {
		vars = append(vars, f.keyID)
	}
	return &sentinelError{ErrNotFound, fmt.Sprintf("credentials: no key ID: %s, key_id in %s, or name the key file AuthKey_<KEYID>.p8", setOr(l.opts.FlagNames.KeyID, vars), l.jsonHint())}
}

// keyHint names every place a key could have come from.
func (l *loader) keyHint(keyID string) string {
	var vars []string
	for _, f := range envFamilies {
		for _, name := range []string{f.keyPath, f.keyContent, f.keyBase64} {
			if name != "" {
				vars = append(vars, name)
			}
		}
	}
	var dirs []string
	for _, d := range l.keyDirs() {
		if d.source == d.v {
			dirs = append(dirs, d.v)
		} else {
			dirs = append(dirs, fmt.Sprintf("%s (%s)", d.source, d.v))
		}
	}
	if l.keysDir.source == "" {
		dirs = append([]string{"$" + keysDirVar + " (unset)"}, dirs...)
	}
	return fmt.Sprintf("%s, key or filepath in %s, or put %s in one of %s",
		setOr(l.opts.FlagNames.KeyFile, vars), l.jsonHint(), keyparse.FileName(keyID), strings.Join(dirs, ", "))
}

// places names where a value was looked for, for a notice.
func (l *loader) places(flag string, name func(envFamily) string, jsonField string) string {
	var where []string
	if flag != "" {
		where = append(where, flag)
	}
	for _, f := range envFamilies {
		if n := name(f); n != "" {
			where = append(where, n)
		}
	}
	return strings.Join(append(where, jsonField+" in an API key JSON"), ", ")
}

// setOr reads "set --key-id or ASC_KEY_ID (or OTHER, ...)": the flag when
// there is one, our variable, then the other tools' variables.
func setOr(flag string, vars []string) string {
	var b strings.Builder
	b.WriteString("set ")
	if flag != "" {
		b.WriteString(flag + " or ")
	}
	b.WriteString(vars[0])
	if len(vars) > 1 {
		b.WriteString(" (or " + strings.Join(vars[1:], ", ") + ")")
	}
	return b.String()
}

func (l *loader) jsonHint() string {
	where := append([]string(nil), apiKeyJSONVars...)
	if f := l.opts.FlagNames.APIKeyJSON; f != "" {
		where = append([]string{f}, where...)
	}
	if l.jsonPath != "" {
		return fmt.Sprintf("the API key JSON %s", l.jsonPath)
	}
	return "an API key JSON file named by " + strings.Join(where, " or ")
}

// sentinelError is an error with its own message that errors.Is matches
// to a sentinel: [ErrNotFound], [ErrConflict].
type sentinelError struct {
	sentinel error
	msg      string
}

func (e *sentinelError) Error() string { return e.msg }

func (e *sentinelError) Is(target error) bool { return target == e.sentinel }
