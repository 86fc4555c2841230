package credentials

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/fastlane"
	"github.com/ascjwt/ascjwt/internal/fileread"
	"github.com/ascjwt/ascjwt/internal/keyparse"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// The sources Load reads values from: environment variables of each
// tool, and fastlane's API key JSON file.

// maxIDFileSize bounds a file that holds an ID (Codemagic's @file:), so that
// a variable naming a large file by mistake fails fast.
const maxIDFileSize = 4 << 10

// envFamily lists one tool's variable names; empty means the tool has none.
type envFamily struct {
	keyID, issuerID                string
	keyContent, keyBase64, keyPath string
	contentIsBase64                string // fastlane's IS_KEY_CONTENT_BASE64
	duration, inHouse              string
	indirect                       bool // values may be @file:PATH or @env:NAME (Codemagic)
}

// envFamilies are searched in this order: our own names, then the tools in
// order of how specific their names are to App Store Connect keys.
var envFamilies = []envFamily{
	{keyID: "ASC_KEY_ID", issuerID: "ASC_ISSUER_ID", keyContent: "ASC_PRIVATE_KEY", keyBase64: "ASC_PRIVATE_KEY_B64", keyPath: "ASC_PRIVATE_KEY_PATH"},
	{ // fastlane's app_store_connect_api_key action
		keyID: "APP_STORE_CONNECT_API_KEY_KEY_ID", issuerID: "APP_STORE_CONNECT_API_KEY_ISSUER_ID",
		keyContent: "APP_STORE_CONNECT_API_KEY_KEY", keyPath: "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH",
		contentIsBase64: "APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64",
		duration:        "APP_STORE_CONNECT_API_KEY_DURATION", inHouse: "APP_STORE_CONNECT_API_KEY_IN_HOUSE",
	},
	{ // fastlane's spaceship library
		keyID: "SPACESHIP_CONNECT_API_KEY_ID", issuerID: "SPACESHIP_CONNECT_API_ISSUER_ID",
		keyContent: "SPACESHIP_CONNECT_API_KEY", keyPath: "SPACESHIP_CONNECT_API_KEY_FILEPATH",
		duration: "SPACESHIP_CONNECT_API_TOKEN_DURATION", inHouse: "SPACESHIP_CONNECT_API_IN_HOUSE",
	},
	{ // Codemagic's CLI tools
		keyID: "APP_STORE_CONNECT_KEY_IDENTIFIER", issuerID: "APP_STORE_CONNECT_ISSUER_ID",
		keyContent: "APP_STORE_CONNECT_PRIVATE_KEY", indirect: true,
	},
}

// apiKeyJSONVars name the fastlane JSON file, after the flag.
var apiKeyJSONVars = []string{"ASC_API_KEY_JSON", "APP_STORE_CONNECT_API_KEY_PATH"}

func (l *loader) collectEnv(fam envFamily) error {
	ids := len(l.keyIDs)
	for _, id := range []struct {
		name string
		kind idKind
		list *[]setting[string]
	}{{fam.keyID, keyIDKind, &l.keyIDs}, {fam.issuerID, issuerIDKind, &l.issuerIDs}} {
		v, ok := l.env(id.name)
		if !ok {
			continue
		}
		source := id.name
		if fam.indirect {
			var path string
			var err error
			if v, source, path, err = l.indirect(id.name, v); err != nil {
				return err
			}
			if path != "" {
				data, err := fileread.Limited(path, maxIDFileSize)
				if err != nil {
					return fmt.Errorf("credentials: %s: %w", source, err)
				}
				if redact.LooksLikeKey(string(data)) {
					return keyFileAsID(id.name, id.kind, path)
				}
				v = string(data)
			}
		}
		if err := addID(id.list, source, id.kind, v); err != nil {
			return err
		}
	}
	// The key ID this tool's variables name, which its key is the key of.
	var famKeyID setting[string]
	if len(l.keyIDs) > ids {
		famKeyID = l.keyIDs[ids]
	}
	keys := len(l.keys)
	defer func() {
		for i := keys; i < len(l.keys); i++ {
			l.keys[i].keyID = famKeyID
		}
	}()

	isBase64 := false
	if v, ok := l.env(fam.contentIsBase64); ok {
		b, err := parseBool(fam.contentIsBase64, v)
		if err != nil {
			return err
		}
		isBase64 = b
	}
	if v, ok := l.env(fam.keyContent); ok {
		ks := keySource{source: fam.keyContent, content: []byte(v), base64: isBase64}
		if fam.indirect {
			var err error
			if v, ks.source, ks.path, err = l.indirect(fam.keyContent, v); err != nil {
				return err
			}
			ks.content = []byte(v)
			if ks.path != "" {
				ks.content = nil
			}
		}
		if ks.path == "" {
			if err := checkNotReference(ks.source, v, "the key itself (PEM or base64)"); err != nil {
				return err
			}
		}
		l.keys = append(l.keys, ks)
	}
	if v, ok := l.env(fam.keyBase64); ok {
		if err := checkNotReference(fam.keyBase64, v, "the key's base64"); err != nil {
			return err
		}
		l.keys = append(l.keys, keySource{source: fam.keyBase64, content: []byte(v), base64: true})
	}
	if v, ok := l.env(fam.keyPath); ok {
		p, err := l.checkedPath(fam.keyPath, v)
		if err != nil {
			return err
		}
		l.keys = append(l.keys, keySource{source: fam.keyPath, path: p})
	}
	if v, ok := l.env(fam.duration); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("credentials: %s is not a whole number of seconds; set it to one from 1 to 1200, e.g. 1200", fam.duration)
		}
		d, err := fastlane.Seconds(float64(n))
		if err != nil {
			return fmt.Errorf("credentials: %s: %w", fam.duration, err)
		}
		l.durations = append(l.durations, setting[time.Duration]{fam.duration, d})
	}
	if v, ok := l.env(fam.inHouse); ok {
		b, err := parseBool(fam.inHouse, v)
		if err != nil {
			return err
		}
		l.inHouse = append(l.inHouse, setting[bool]{fam.inHouse, b})
	}
	return nil
}

// checkedPath checks a path a source gives and makes it absolute.
func (l *loader) checkedPath(source, v string) (string, error) {
	v = strings.TrimSpace(v)
	if err := checkPath(source, v); err != nil {
		return "", err
	}
	return l.path(v), nil
}

// indirect follows Codemagic's "@env:NAME" and "@file:PATH" values, one
// level deep. For a file it returns its absolute path and no value.
func (l *loader) indirect(name, v string) (value, source, path string, err error) {
	switch {
	case strings.HasPrefix(v, "@env:"):
		other := strings.TrimSpace(v[len("@env:"):])
		if !isEnvName(other) {
			// Not quoted: what follows may be anything, a key included.
			return "", "", "", fmt.Errorf("credentials: %s is @env: followed by something that is not a variable name; want @env:NAME", name)
		}
		w, ok := l.env(other)
		if !ok {
			return "", "", "", fmt.Errorf("credentials: %s is @env:%s, but %s is not set", name, other, other)
		}
		return w, fmt.Sprintf("%s (@env:%s)", name, other), "", nil
	case strings.HasPrefix(v, "@file:"):
		p, err := l.checkedPath(name+" (@file:)", v[len("@file:"):])
		if err != nil {
			return "", "", "", err
		}
		return "", fmt.Sprintf("%s (@file:%s)", name, p), p, nil
	}
	return v, name, "", nil
}

// parseBool reads the booleans of fastlane's options and spaceship's
// variables. The error does not quote v: a value in the wrong variable may
// be a secret.
func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return false, fmt.Errorf("credentials: %s is not a boolean; set it to true or false", name)
}

// collectJSON reads the first API key JSON file named; the others named are
// told about in resolve, after every value has been checked.
func (l *loader) collectJSON() error {
	var names []setting[string]
	if p := l.opts.Given.APIKeyJSON; p != "" {
		source := flagName(l.opts.FlagNames.APIKeyJSON, "Given.APIKeyJSON")
		abs, err := l.checkedPath(source, p)
		if err != nil {
			return err
		}
		names = append(names, setting[string]{source, abs})
	}
	for _, name := range apiKeyJSONVars {
		if v, ok := l.env(name); ok {
			abs, err := l.checkedPath(name, v)
			if err != nil {
				return err
			}
			names = append(names, setting[string]{name, abs})
		}
	}
	if len(names) == 0 {
		return nil
	}
	chosen := names[0]
	l.jsonNames = names
	l.jsonPath = chosen.v
	data, err := fileread.Limited(chosen.v, fastlane.MaxSize)
	if err != nil {
		return fmt.Errorf("credentials: API key JSON from %s: %w", chosen.source, err)
	}
	k, err := fastlane.Parse(data)
	if err != nil {
		return fmt.Errorf("credentials: API key JSON %s (from %s): %w", chosen.v, chosen.source, err)
	}
	in := func(field string) string { return field + " in " + chosen.v }
	if err := addID(&l.keyIDs, in("key_id"), keyIDKind, k.KeyID); err != nil {
		return err
	}
	if err := addID(&l.issuerIDs, in("issuer_id"), issuerIDKind, k.IssuerID); err != nil {
		return err
	}
	var jsonKeyID setting[string]
	if len(l.keyIDs) > 0 && l.keyIDs[len(l.keyIDs)-1].source == in("key_id") {
		jsonKeyID = l.keyIDs[len(l.keyIDs)-1]
	}
	if k.Key != "" {
		if err := checkNotReference(in("key"), k.Key, "the key itself (PEM or base64)"); err != nil {
			return err
		}
		l.keys = append(l.keys, keySource{source: in("key"), content: []byte(k.Key), base64: k.KeyIsBase64, keyID: jsonKeyID})
	}
	if k.FilePath != "" {
		p := strings.TrimSpace(k.FilePath)
		if err := checkPath(in("filepath"), p); err != nil {
			return err
		}
		if !filepath.IsAbs(p) && !strings.HasPrefix(p, "~/") {
			p = filepath.Join(filepath.Dir(chosen.v), p) // next to the JSON, where people keep it
		}
		l.keys = append(l.keys, keySource{source: in("filepath"), path: l.path(p), keyID: jsonKeyID})
	}
	if k.Duration != 0 {
		l.durations = append(l.durations, setting[time.Duration]{in("duration"), k.Duration})
	}
	if k.HasInHouse {
		l.inHouse = append(l.inHouse, setting[bool]{in("in_house"), k.InHouse})
	}
	return nil
}

// Checks on values before they are used or printed. A value in the wrong
// variable is often a secret (swapped CI secrets put the private key in
// ASC_KEY_ID), so a rejected value is described, never quoted; an ID that
// passes is one an error or notice may print, since IDs travel in every
// token anyway.

// maxIDLen bounds key and issuer IDs: Apple's key IDs are 10 characters and
// issuer IDs 36 (a UUID), so anything longer is something else in the wrong
// place, most often the private key itself. NewTokenSource refuses the same.
const maxIDLen = 64

// maxPathLen bounds a file's path: PATH_MAX on Linux. A longer "path" is
// content in the wrong variable.
const maxPathLen = 4096

// idKind says what an ID should look like, for errors.
type idKind struct{ name, the, want string }

var (
	keyIDKind    = idKind{"a key ID", "the key ID", "a key ID is 10 letters and digits, like 2X9R4HXF34"}
	issuerIDKind = idKind{"an issuer ID", "the issuer ID", "an issuer ID is a UUID, like 57246542-96fe-1a63-e053-0824d011072a"}
)

// checkID refuses a value that cannot be a key or issuer ID: a private key,
// anything over maxIDLen bytes, a file name, and any character other than
// letters, digits, '-', '_' and '.'. v is already trimmed.
func checkID(source string, kind idKind, v string) error {
	if redact.LooksLikeKey(v) {
		return fmt.Errorf("credentials: %s looks like a private key, not %s (%s); were two secrets swapped? Put the key where a private key goes", source, kind.name, kind.want)
	}
	if len(v) > maxIDLen {
		return fmt.Errorf("credentials: %s is %s bytes; %s", source, redact.Thousands(len(v)), kind.want)
	}
	if strings.HasSuffix(v, ".p8") {
		hint := ""
		if id, ok := keyparse.KeyIDOfFile(v); ok {
			hint = "; this file's key ID is " + id // letters and digits: an ID, fine to print
		}
		return fmt.Errorf("credentials: %s holds a file name, not %s (%s); name the key file where a key file goes%s", source, kind.name, kind.want, hint)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isIDByte(c) {
			return fmt.Errorf("credentials: %s holds %s at byte %d; %s", source, describeByte(c), i+1, kind.want)
		}
	}
	return nil
}

func isIDByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

// describeByte names a byte's class without showing it.
func describeByte(c byte) string {
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		return "white space"
	case c < ' ' || c == 0x7f:
		return "a control character"
	case c >= 0x80:
		return "a character outside ASCII"
	}
	return "a punctuation character"
}

// checkPath refuses a value that cannot be a file's path before it is used
// or printed: paths are printed in errors, so one that is really a private
// key (swapped variables) must stop here.
func checkPath(source, v string) error {
	if err := checkNotReference(source, v, "the file's path alone"); err != nil {
		return err
	}
	if redact.LooksLikeKey(v) {
		return fmt.Errorf("credentials: %s looks like a private key, not a file's path; put the key's content in a variable for it (e.g. ASC_PRIVATE_KEY) or its file's path here", source)
	}
	if len(v) > maxPathLen {
		return fmt.Errorf("credentials: %s is %s bytes, too long for a file's path", source, redact.Thousands(len(v)))
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' || c == 0x7f {
			return fmt.Errorf("credentials: %s holds a line break or control character at byte %d, so it is not a file's path; set it to the path alone", source, i+1)
		}
	}
	return nil
}

// envName matches a variable name that "@env:" may follow.
func isEnvName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// codemagicVars are the variables whose values may be Codemagic's
// references, @file:PATH and @env:NAME, as Codemagic's own tools read them.
const codemagicVars = "APP_STORE_CONNECT_KEY_IDENTIFIER, APP_STORE_CONNECT_ISSUER_ID and APP_STORE_CONNECT_PRIVATE_KEY"

// checkNotReference refuses a Codemagic reference (@file:PATH, @env:NAME)
// where none is followed: a value of another tool's variable, a flag, a
// JSON field, or what a reference led to. Taken as it is, it would be
// refused later as a bad ID, path or key, which points at the wrong fix.
// want says what the value should be instead.
func checkNotReference(source, v, want string) error {
	v = strings.TrimSpace(v)
	for _, prefix := range []string{"@file:", "@env:"} {
		if strings.HasPrefix(v, prefix) {
			return fmt.Errorf("credentials: %s is a Codemagic %s reference, which only %s follow (one level deep); set %s to %s", source, prefix, codemagicVars, source, want)
		}
	}
	return nil
}

// keyFileAsID is the error for an ID variable whose @file: names a file that
// holds a private key (the key file given for the key ID too): the reference
// is described as what it is, with the key ID the file's name gives, if any.
func keyFileAsID(name string, kind idKind, path string) error {
	hint := ""
	if id, ok := keyparse.KeyIDOfFile(path); ok && kind == keyIDKind {
		hint = fmt.Sprintf(", such as %s, which this file's name gives", id) // letters and digits: an ID, fine to print
	}
	return fmt.Errorf("credentials: %s is a file reference, @file:%s, and that file holds a private key, not %s (%s); point it at a file that holds %s alone, or set it to %s itself%s",
		name, path, kind.name, kind.want, kind.the, kind.the, hint)
}
