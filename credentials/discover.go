package credentials

import (
	"crypto/ecdsa"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/keyparse"
)

// The loader behind Load: it collects what every source says, then
// resolves it by precedence, telling the caller about disagreements.

// setting is one value and the source that set it, for precedence and for
// messages.
type setting[T any] struct {
	source string
	v      T
}

type loader struct {
	opts   Options
	lookup func(string) (string, bool)
	home   string // empty when unknown
	work   string

	keyIDs, issuerIDs []setting[string]
	keys              []keySource
	durations         []setting[time.Duration]
	inHouse           []setting[bool]
	jsonPath          string            // the API key JSON read, if any
	jsonNames         []setting[string] // every API key JSON named, the read one first
	keysDir           setting[string]   // $API_PRIVATE_KEYS_DIR, checked; empty when unset

	told map[string]bool
}

func newLoader(opts Options) *loader {
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
	msg := "credentials: " + fmt.Sprintf(format, args...)
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

// collect reads every source and checks every value before anything is
// printed: no notice is given until resolve, so a value refused here (a
// private key in an ID variable, say) is never echoed by an earlier notice.
func (l *loader) collect() error {
	f, names := l.opts.Given, l.opts.FlagNames
	if err := addID(&l.keyIDs, flagName(names.KeyID, "Given.KeyID"), keyIDKind, f.KeyID); err != nil {
		return err
	}
	if err := addID(&l.issuerIDs, flagName(names.IssuerID, "Given.IssuerID"), issuerIDKind, f.IssuerID); err != nil {
		return err
	}
	if f.KeyFile != "" {
		source := flagName(names.KeyFile, "Given.KeyFile")
		p, err := l.checkedPath(source, f.KeyFile)
		if err != nil {
			return err
		}
		l.keys = append(l.keys, keySource{source: source, path: p})
	}
	for _, fam := range envFamilies {
		if err := l.collectEnv(fam); err != nil {
			return err
		}
	}
	if v, ok := l.env(keysDirVar); ok {
		p, err := l.checkedPath(keysDirVar, v)
		if err != nil {
			return err
		}
		l.keysDir = setting[string]{"$" + keysDirVar, p}
	}
	return l.collectJSON()
}

func flagName(name, field string) string {
	if name != "" {
		return name
	}
	return field
}

// addID checks an ID and adds it. White space around it is dropped: IDs
// copied from web pages and files carry it, and Apple would refuse it
// without saying why. Anything else wrong is refused, undisplayed.
func addID(list *[]setting[string], source string, kind idKind, v string) error {
	if v = strings.TrimSpace(v); v == "" {
		return nil
	}
	if err := checkNotReference(source, v, kind.the+" itself"); err != nil {
		return err
	}
	if err := checkID(source, kind, v); err != nil {
		return err
	}
	*list = append(*list, setting[string]{source, v})
	return nil
}

// resolve picks each value by precedence, tells about disagreements, finds
// the key file if needed and loads the key.
func (l *loader) resolve() (ascjwt.Config, error) {
	var cfg ascjwt.Config
	var key keySource
	if len(l.keys) > 0 {
		key = l.keys[0]
	}
	if err := key.checkExists(); err != nil {
		// Before its name is read for a key ID: a file that is not there
		// names no key, and the fix is the path.
		return ascjwt.Config{}, err
	}
	keyID, haveKeyID := first(l.keyIDs)
	fileID, named := keyparse.KeyIDOfFile(key.path)
	switch {
	case haveKeyID && named && fileID != keyID.v:
		// Signing with one key under another's ID makes tokens Apple
		// refuses with a bare 401; a warning scrolls by in CI logs.
		orFile := "" // only a key ID of letters and digits names a key file
		if keyparse.FileKeyID(keyID.v) {
			orFile = ", or use the file " + keyparse.FileName(keyID.v)
		}
		return ascjwt.Config{}, &sentinelError{ErrConflict, fmt.Sprintf(
			"credentials: key ID %s from %s and the key file %s from %s name different keys; Apple would refuse the tokens. Make them agree: %s%s",
			keyID.v, keyID.source, filepath.Base(key.path), key.source, l.fixKeyID(keyID.source, fileID), orFile)}
	case haveKeyID && key.keyID.source != "" && key.keyID.v != keyID.v:
		// The same for a key whose own source names its key ID: a
		// fastlane JSON, or a tool's variables, for another key.
		return ascjwt.Config{}, &sentinelError{ErrConflict, fmt.Sprintf(
			"credentials: key ID %s from %s and the private key from %s, which %s says is key %s, name different keys; Apple would refuse the tokens. Make them agree: %s, or give the private key of %s",
			keyID.v, keyID.source, key.source, key.keyID.source, key.keyID.v, l.fixKeyID(keyID.source, key.keyID.v), keyID.v)}
	case haveKeyID:
		cfg.KeyID = keyID.v
	case named:
		cfg.KeyID = fileID
	case key.source != "":
		return ascjwt.Config{}, l.noKeyID()
	default:
		// Nothing names a key: altool's folders may hold just one, as
		// after "ascjwt keygen --dir ./private_keys".
		found, err := l.onlyKeyFile()
		if err != nil {
			return ascjwt.Config{}, err
		}
		cfg.KeyID, _ = keyparse.KeyIDOfFile(found.path)
		key = found
	}
	l.tellJSON()
	if haveKeyID {
		tell(l, "key ID", l.keyIDs)
	}

	if key.source == "" {
		found, err := l.searchKeyDirs(cfg.KeyID)
		if err != nil {
			return ascjwt.Config{}, err
		}
		key = found
	}
	priv, err := key.load()
	if err != nil {
		return ascjwt.Config{}, err
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
		if d.v < ascjwt.MinLifetime {
			cfg.Lifetime = ascjwt.MinLifetime
			l.notify("token duration %s from %s is under this package's minimum; using %s", d.v, d.source, ascjwt.MinLifetime)
		}
	}
	if h, ok := first(l.inHouse); ok {
		tell(l, "in_house", l.inHouse)
		if h.v {
			cfg.Audience = ascjwt.AudienceEnterprise
		}
	}
	return cfg, nil
}

// fixKeyID says how to make the key ID from source agree with a key file:
// pass the file's ID by flag when the caller has one, else set the variable.
func (l *loader) fixKeyID(source, fileID string) string {
	if f := l.opts.FlagNames.KeyID; f != "" {
		return fmt.Sprintf("pass %s %s", f, fileID)
	}
	if field, file, ok := strings.Cut(source, " in "); ok { // the API key JSON
		return fmt.Sprintf("set %s to %s in %s", field, fileID, file)
	}
	return fmt.Sprintf("set %s to %s", strings.Fields(source)[0], fileID)
}

// tellJSON reports each API key JSON named but not read.
func (l *loader) tellJSON() {
	for _, other := range l.jsonNames[min(1, len(l.jsonNames)):] {
		if chosen := l.jsonNames[0]; other.v != chosen.v {
			l.notify("API key JSON: using %s from %s; ignoring %s from %s", chosen.v, chosen.source, other.v, other.source)
		}
	}
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
