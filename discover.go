package ascjwt

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/fastlane"
)

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

// keysDirVar is the variable altool reads for its key folder.
const keysDirVar = "API_PRIVATE_KEYS_DIR"

// setting is one value and the source that set it, for precedence and for
// messages.
type setting[T any] struct {
	source string
	v      T
}

type loader struct {
	opts   LoadOptions
	lookup func(string) (string, bool)
	home   string // empty when unknown
	work   string

	keyIDs, issuerIDs []setting[string]
	keys              []keySource
	durations         []setting[time.Duration]
	inHouse           []setting[bool]
	jsonPath          string // the API key JSON read, if any

	told map[string]bool
}

func newLoader(opts LoadOptions) *loader {
	l := &loader{opts: opts, lookup: opts.LookupEnv, home: opts.HomeDir, work: opts.WorkDir, told: map[string]bool{}}
	if l.lookup == nil {
		l.lookup = os.LookupEnv
	}
	if l.home == "" {
		l.home, _ = os.UserHomeDir() // no home: skip the ~ folders
	}
	if l.work == "" {
		if wd, err := os.Getwd(); err == nil {
			l.work = wd
		} else {
			l.work = "."
		}
	}
	return l
}

// notify sends msg to opts.Notify, once.
func (l *loader) notify(format string, args ...any) {
	msg := "ascjwt: " + fmt.Sprintf(format, args...)
	if l.opts.Notify == nil || l.told[msg] {
		return
	}
	l.told[msg] = true
	l.opts.Notify(msg)
}

// env returns a variable's value; set but empty counts as unset, since CI
// systems define variables for secrets that a fork's build does not get.
func (l *loader) env(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	v, ok := l.lookup(name)
	if !ok || strings.TrimSpace(v) == "" {
		return "", false
	}
	return v, true
}

// path makes p absolute: "~/" is the home directory (shells leave a quoted ~
// alone, and fastlane expands it), and a relative path is in WorkDir.
func (l *loader) path(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok && l.home != "" {
		p = filepath.Join(l.home, rest)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.work, p)
	}
	return filepath.Clean(p)
}

func (l *loader) collect() error {
	f, names := l.opts.Flags, l.opts.FlagNames
	addID(&l.keyIDs, flagName(names.KeyID, "Credentials.KeyID"), f.KeyID)
	addID(&l.issuerIDs, flagName(names.IssuerID, "Credentials.IssuerID"), f.IssuerID)
	if f.KeyFile != "" {
		l.keys = append(l.keys, keySource{source: flagName(names.KeyFile, "Credentials.KeyFile"), path: l.path(f.KeyFile)})
	}
	for _, fam := range envFamilies {
		if err := l.collectEnv(fam); err != nil {
			return err
		}
	}
	return l.collectJSON()
}

func flagName(name, field string) string {
	if name != "" {
		return name
	}
	return field
}

func addID(list *[]setting[string], source, v string) {
	// IDs copied from web pages and files carry white space; Apple would
	// refuse it without saying why.
	if v = strings.TrimSpace(v); v != "" {
		*list = append(*list, setting[string]{source, v})
	}
}

func (l *loader) collectEnv(fam envFamily) error {
	for _, id := range []struct {
		name string
		list *[]setting[string]
	}{{fam.keyID, &l.keyIDs}, {fam.issuerID, &l.issuerIDs}} {
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
				data, err := readFile(path, maxIDFileSize)
				if err != nil {
					return fmt.Errorf("ascjwt: %s: %w", source, err)
				}
				v = string(data)
			}
		}
		addID(id.list, source, v)
	}

	isBase64 := false
	if v, ok := l.env(fam.contentIsBase64); ok {
		b, err := parseBool(v)
		if err != nil {
			return fmt.Errorf("ascjwt: %s %q: %w", fam.contentIsBase64, v, err)
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
		l.keys = append(l.keys, ks)
	}
	if v, ok := l.env(fam.keyBase64); ok {
		l.keys = append(l.keys, keySource{source: fam.keyBase64, content: []byte(v), base64: true})
	}
	if v, ok := l.env(fam.keyPath); ok {
		l.keys = append(l.keys, keySource{source: fam.keyPath, path: l.path(strings.TrimSpace(v))})
	}
	if v, ok := l.env(fam.duration); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("ascjwt: %s %q is not a whole number of seconds", fam.duration, v)
		}
		d, err := fastlane.Seconds(float64(n))
		if err != nil {
			return fmt.Errorf("ascjwt: %s: %w", fam.duration, err)
		}
		l.durations = append(l.durations, setting[time.Duration]{fam.duration, d})
	}
	if v, ok := l.env(fam.inHouse); ok {
		b, err := parseBool(v)
		if err != nil {
			return fmt.Errorf("ascjwt: %s %q: %w", fam.inHouse, v, err)
		}
		l.inHouse = append(l.inHouse, setting[bool]{fam.inHouse, b})
	}
	return nil
}

// indirect follows Codemagic's "@env:NAME" and "@file:PATH" values, one
// level deep. For a file it returns its absolute path and no value.
func (l *loader) indirect(name, v string) (value, source, path string, err error) {
	switch {
	case strings.HasPrefix(v, "@env:"):
		other := strings.TrimSpace(v[len("@env:"):])
		w, ok := l.env(other)
		if !ok {
			return "", "", "", fmt.Errorf("ascjwt: %s is @env:%s, but %s is not set", name, other, other)
		}
		return w, fmt.Sprintf("%s (@env:%s)", name, other), "", nil
	case strings.HasPrefix(v, "@file:"):
		p := l.path(strings.TrimSpace(v[len("@file:"):]))
		return "", fmt.Sprintf("%s (@file:%s)", name, p), p, nil
	}
	return v, name, "", nil
}

// parseBool reads the booleans of fastlane's options and spaceship's
// variables.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return false, errors.New("want true or false")
}

// collectJSON reads the first API key JSON file named, telling the user when
// another one named is ignored.
func (l *loader) collectJSON() error {
	var chosen setting[string]
	names := []setting[string]{}
	if p := l.opts.Flags.APIKeyJSON; p != "" {
		names = append(names, setting[string]{flagName(l.opts.FlagNames.APIKeyJSON, "Credentials.APIKeyJSON"), l.path(p)})
	}
	for _, name := range apiKeyJSONVars {
		if v, ok := l.env(name); ok {
			names = append(names, setting[string]{name, l.path(strings.TrimSpace(v))})
		}
	}
	if len(names) == 0 {
		return nil
	}
	chosen = names[0]
	for _, other := range names[1:] {
		if other.v != chosen.v {
			l.notify("API key JSON: using %s from %s; ignoring %s from %s", chosen.v, chosen.source, other.v, other.source)
		}
	}
	l.jsonPath = chosen.v
	data, err := readFile(chosen.v, fastlane.MaxSize)
	if err != nil {
		return fmt.Errorf("ascjwt: API key JSON from %s: %w", chosen.source, err)
	}
	k, err := fastlane.Parse(data)
	if err != nil {
		return fmt.Errorf("ascjwt: API key JSON %s (from %s): %w", chosen.v, chosen.source, err)
	}
	in := func(field string) string { return field + " in " + chosen.v }
	addID(&l.keyIDs, in("key_id"), k.KeyID)
	addID(&l.issuerIDs, in("issuer_id"), k.IssuerID)
	if k.Key != "" {
		l.keys = append(l.keys, keySource{source: in("key"), content: []byte(k.Key), base64: k.KeyIsBase64})
	}
	if k.FilePath != "" {
		p := k.FilePath
		if !filepath.IsAbs(p) && !strings.HasPrefix(p, "~/") {
			p = filepath.Join(filepath.Dir(chosen.v), p) // next to the JSON, where people keep it
		}
		l.keys = append(l.keys, keySource{source: in("filepath"), path: l.path(p)})
	}
	if k.Duration != 0 {
		l.durations = append(l.durations, setting[time.Duration]{in("duration"), k.Duration})
	}
	if k.HasInHouse {
		l.inHouse = append(l.inHouse, setting[bool]{in("in_house"), k.InHouse})
	}
	return nil
}

// resolve picks each value by precedence, tells about disagreements, finds
// the key file if needed and loads the key.
func (l *loader) resolve() (Config, error) {
	var cfg Config
	keyID, haveKeyID := first(l.keyIDs)
	if haveKeyID {
		tell(l, "key ID", l.keyIDs)
		cfg.KeyID = keyID.v
	}

	var key keySource
	if len(l.keys) > 0 {
		key = l.keys[0]
	}
	if !haveKeyID {
		id, ok := keyIDFromFileName(key.path)
		if !ok {
			return Config{}, l.noKeyID()
		}
		cfg.KeyID = id
	} else if id, ok := keyIDFromFileName(key.path); ok && id != cfg.KeyID {
		l.notify("key ID %s from %s does not match the key file's name %s; Apple will refuse the tokens if the file holds another key", cfg.KeyID, keyID.source, filepath.Base(key.path))
	}

	if key.source == "" {
		found, err := l.searchKeyDirs(cfg.KeyID)
		if err != nil {
			return Config{}, err
		}
		key = found
	}
	priv, err := key.load()
	if err != nil {
		return Config{}, err
	}
	l.tellKeys(priv)
	cfg.PrivateKey = priv

	if issuer, ok := first(l.issuerIDs); ok {
		tell(l, "issuer ID", l.issuerIDs)
		cfg.IssuerID = issuer.v
	} else {
		l.notify("no issuer ID (%s): making tokens for an individual key (sub \"user\")", l.places(l.opts.FlagNames.IssuerID, func(f envFamily) string { return f.issuerID }, "issuer_id"))
	}
	if d, ok := first(l.durations); ok {
		tell(l, "token duration", l.durations)
		cfg.Lifetime = d.v
		if d.v < MinLifetime {
			cfg.Lifetime = MinLifetime
			l.notify("token duration %s from %s is under this package's minimum; using %s", d.v, d.source, MinLifetime)
		}
	}
	if h, ok := first(l.inHouse); ok {
		tell(l, "in_house", l.inHouse)
		if h.v {
			cfg.Audience = AudienceEnterprise
		}
	}
	return cfg, nil
}

func first[T any](list []setting[T]) (setting[T], bool) {
	if len(list) == 0 {
		return setting[T]{}, false
	}
	return list[0], true
}

// tell reports each later source whose value differs from the winner's.
// Only IDs, durations and flags pass through here: none is secret (IDs
// travel in every token).
func tell[T comparable](l *loader, what string, list []setting[T]) {
	for _, other := range list[1:] {
		if other.v != list[0].v {
			l.notify("%s: using %v from %s; ignoring %v from %s", what, list[0].v, list[0].source, other.v, other.source)
		}
	}
}

// tellKeys reports each later key source that holds another key, or none
// that loads. Keys are compared by public key, never printed.
func (l *loader) tellKeys(winner *ecdsa.PrivateKey) {
	if len(l.keys) < 2 {
		return
	}
	for _, other := range l.keys[1:] {
		k, err := other.load()
		switch {
		case err != nil:
			l.notify("private key: using %s; ignoring %s, which does not load", l.keys[0].source, other.source)
		case !k.PublicKey.Equal(&winner.PublicKey):
			l.notify("private key: using %s; ignoring %s, which holds a different key", l.keys[0].source, other.source)
		}
	}
}

func (l *loader) noKeyID() error {
	var vars []string
	for _, f := range envFamilies {
		vars = append(vars, f.keyID)
	}
	return &noCredentialsError{fmt.Sprintf("ascjwt: no key ID: %s, key_id in %s, or name the key file AuthKey_<KEYID>.p8", setOr(l.opts.FlagNames.KeyID, vars), l.jsonHint())}
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

// noCredentialsError is an error that wraps ErrNoCredentials with its own
// message.
type noCredentialsError struct{ msg string }

func (e *noCredentialsError) Error() string { return e.msg }

func (e *noCredentialsError) Is(target error) bool { return target == ErrNoCredentials }
