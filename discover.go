package ascjwt

import (
	"crypto/ecdsa"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The loader behind LoadConfig: it collects what every source says, then
// resolves it by precedence, telling the caller about disagreements.

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
