package credentials

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// The helpers here are prefixed "cred" to stay clear of the package's other
// test helpers.

func credWrite(t testing.TB, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// credWorld is a home and a working directory of their own and an
// environment, so that no test sees the machine's keys.
type credWorld struct {
	home, work string
	env        map[string]string
	flags      Given
	flagNames  FlagNames
}

func newCredWorld(t testing.TB) *credWorld {
	return &credWorld{home: t.TempDir(), work: t.TempDir(), env: map[string]string{}}
}

func (w *credWorld) load() (ascjwt.Config, []string, error) {
	var notices []string
	cfg, err := Load(Options{
		Given:     w.flags,
		FlagNames: w.flagNames,
		LookupEnv: func(k string) (string, bool) { v, ok := w.env[k]; return v, ok },
		HomeDir:   w.home,
		WorkDir:   w.work,
		Notify:    func(m string) { notices = append(notices, m) },
	})
	return cfg, notices, err
}

// commandFlags are the flag names of a command such as ascjwt's, for
// messages that tell where a value came from.
var commandFlags = FlagNames{KeyID: "--key-id", IssuerID: "--issuer-id", KeyFile: "--key", APIKeyJSON: "--api-key-json"}

// mustLoad loads w's credentials, failing the test on an error.
func (w *credWorld) mustLoad(t testing.TB) ascjwt.Config {
	t.Helper()
	cfg, _, err := w.load()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// credSecrets are strings of a key that must never appear in a message:
// the base64 lines of its PEM.
func credSecrets(pemText string) []string {
	var out []string
	for _, line := range strings.Split(pemText, "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	return out
}

func credAssertNoSecrets(t testing.TB, msg string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(msg, s) || strings.Contains(msg, s[:16]) {
			t.Fatalf("message holds key material: %s", msg)
		}
	}
}

func credSameKey(t testing.TB, cfg ascjwt.Config, want *ecdsa.PrivateKey) {
	t.Helper()
	got, ok := cfg.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || !got.Equal(want) {
		t.Fatalf("PrivateKey is not the key that was set up (%T)", cfg.PrivateKey)
	}
}

const credIssuer = "57246542-96fe-1a63-e053-0824d011072a"

func TestLoadEnvFamilies(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	b64 := base64.StdEncoding.EncodeToString([]byte(p8))
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	body := base64.StdEncoding.EncodeToString(der)

	for _, tc := range []struct {
		name     string
		env      func(dir string) map[string]string
		audience string
		lifetime time.Duration
		issuer   string
		notice   string // a notice that must be given
	}{
		{name: "ASC_PRIVATE_KEY PEM", env: func(string) map[string]string {
			return map[string]string{"ASC_KEY_ID": "KEY1", "ASC_ISSUER_ID": credIssuer, "ASC_PRIVATE_KEY": p8}
		}},
		{name: "ASC_PRIVATE_KEY with literal \\n", env: func(string) map[string]string {
			return map[string]string{"ASC_KEY_ID": "KEY1", "ASC_ISSUER_ID": credIssuer, "ASC_PRIVATE_KEY": strings.ReplaceAll(p8, "\n", `\n`)}
		}},
		{name: "ASC_PRIVATE_KEY bare base64 body", env: func(string) map[string]string {
			return map[string]string{"ASC_KEY_ID": "KEY1", "ASC_ISSUER_ID": credIssuer, "ASC_PRIVATE_KEY": body}
		}},
		{name: "ASC_PRIVATE_KEY_B64", env: func(string) map[string]string {
			return map[string]string{"ASC_KEY_ID": "KEY1", "ASC_ISSUER_ID": credIssuer, "ASC_PRIVATE_KEY_B64": b64}
		}},
		{name: "ASC_PRIVATE_KEY_PATH", env: func(dir string) map[string]string {
			return map[string]string{"ASC_KEY_ID": "KEY1", "ASC_ISSUER_ID": " " + credIssuer + "\n", "ASC_PRIVATE_KEY_PATH": credWrite(t, dir, "k.p8", p8)}
		}},
		{name: "fastlane key content", env: func(string) map[string]string {
			return map[string]string{"APP_STORE_CONNECT_API_KEY_KEY_ID": "KEY1", "APP_STORE_CONNECT_API_KEY_ISSUER_ID": credIssuer, "APP_STORE_CONNECT_API_KEY_KEY": p8}
		}},
		{name: "fastlane base64 content, duration, in house", env: func(string) map[string]string {
			return map[string]string{
				"APP_STORE_CONNECT_API_KEY_KEY_ID": "KEY1", "APP_STORE_CONNECT_API_KEY_ISSUER_ID": credIssuer,
				"APP_STORE_CONNECT_API_KEY_KEY": b64, "APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64": "true",
				"APP_STORE_CONNECT_API_KEY_DURATION": "900", "APP_STORE_CONNECT_API_KEY_IN_HOUSE": "yes",
			}
		}, audience: ascjwt.AudienceEnterprise, lifetime: 15 * time.Minute},
		{name: "fastlane key file", env: func(dir string) map[string]string {
			return map[string]string{"APP_STORE_CONNECT_API_KEY_KEY_ID": "KEY1", "APP_STORE_CONNECT_API_KEY_ISSUER_ID": credIssuer, "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH": credWrite(t, dir, "k.p8", p8)}
		}},
		{name: "spaceship key, duration, not in house", env: func(string) map[string]string {
			return map[string]string{
				"SPACESHIP_CONNECT_API_KEY_ID": "KEY1", "SPACESHIP_CONNECT_API_ISSUER_ID": credIssuer, "SPACESHIP_CONNECT_API_KEY": p8,
				"SPACESHIP_CONNECT_API_TOKEN_DURATION": "1200", "SPACESHIP_CONNECT_API_IN_HOUSE": "no",
			}
		}, lifetime: 20 * time.Minute},
		{name: "spaceship key file", env: func(dir string) map[string]string {
			return map[string]string{"SPACESHIP_CONNECT_API_KEY_ID": "KEY1", "SPACESHIP_CONNECT_API_ISSUER_ID": credIssuer, "SPACESHIP_CONNECT_API_KEY_FILEPATH": credWrite(t, dir, "k.p8", p8)}
		}},
		{name: "Codemagic", env: func(string) map[string]string {
			return map[string]string{"APP_STORE_CONNECT_KEY_IDENTIFIER": "KEY1", "APP_STORE_CONNECT_ISSUER_ID": credIssuer, "APP_STORE_CONNECT_PRIVATE_KEY": p8}
		}},
		{name: "Codemagic @file: and @env:", env: func(dir string) map[string]string {
			return map[string]string{
				"APP_STORE_CONNECT_KEY_IDENTIFIER": "@env:MY_KEY_ID", "MY_KEY_ID": "KEY1",
				"APP_STORE_CONNECT_ISSUER_ID":   "@file:" + credWrite(t, dir, "issuer.txt", credIssuer+"\n"),
				"APP_STORE_CONNECT_PRIVATE_KEY": "@file:" + credWrite(t, dir, "k.p8", p8),
			}
		}},
		{name: "individual key", env: func(string) map[string]string {
			return map[string]string{"ASC_KEY_ID": "KEY1", "ASC_PRIVATE_KEY": p8}
		}, issuer: "-", notice: "individual key"},
		{name: "duration under the minimum is raised", env: func(string) map[string]string {
			return map[string]string{"ASC_KEY_ID": "KEY1", "ASC_ISSUER_ID": credIssuer, "ASC_PRIVATE_KEY": p8, "SPACESHIP_CONNECT_API_TOKEN_DURATION": "200"}
		}, lifetime: ascjwt.MinLifetime, notice: "under this package's minimum"},
		{name: "empty variables count as unset", env: func(string) map[string]string {
			return map[string]string{"ASC_KEY_ID": "", "ASC_PRIVATE_KEY": "  ", "APP_STORE_CONNECT_API_KEY_KEY_ID": "KEY1", "APP_STORE_CONNECT_API_KEY_ISSUER_ID": credIssuer, "APP_STORE_CONNECT_API_KEY_KEY": p8}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			w.env = tc.env(t.TempDir())
			cfg, notices, err := w.load()
			if err != nil {
				t.Fatal(err)
			}
			credSameKey(t, cfg, key)
			wantIssuer := credIssuer
			if tc.issuer == "-" {
				wantIssuer = ""
			}
			if cfg.KeyID != "KEY1" || cfg.IssuerID != wantIssuer || cfg.Audience != tc.audience || cfg.Lifetime != tc.lifetime {
				t.Errorf("got %v; want KeyID KEY1, IssuerID %q, Audience %q, Lifetime %s", cfg, wantIssuer, tc.audience, tc.lifetime)
			}
			if tc.notice != "" && !strings.Contains(strings.Join(notices, "\n"), tc.notice) {
				t.Errorf("notices %q; want one saying %q", notices, tc.notice)
			}
			if tc.notice == "" && len(notices) > 0 {
				t.Errorf("unexpected notices %q", notices)
			}
			if _, err := ascjwt.NewTokenSource(cfg); err != nil {
				t.Errorf("NewTokenSource refuses the loaded config: %v", err)
			}
		})
	}
}

func TestLoadPrecedence(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	dir := t.TempDir()
	jsonPath := credWrite(t, dir, "api_key.json", `{"key_id": "JSONKEY", "issuer_id": "json-issuer"}`)
	// The key comes from a file whose name and source name no key ID, so
	// that any key ID may go with it: a key ID that disagrees with the
	// key's own source is refused (TestKeyIDForAnotherKeyThanTheKeysOwnSourceIsRefused).
	keyFile := credWrite(t, dir, "key.p8", p8)
	// Sources from the highest precedence down; each test drops the ones
	// above it and expects the next to win, naming every loser that
	// disagrees.
	sources := []struct {
		name  string
		set   func(w *credWorld)
		keyID string
	}{
		{"--key-id", func(w *credWorld) { w.flags.KeyID = "FLAGKEY" }, "FLAGKEY"},
		{"ASC_KEY_ID", func(w *credWorld) { w.env["ASC_KEY_ID"] = "ASCKEY" }, "ASCKEY"},
		{"APP_STORE_CONNECT_API_KEY_KEY_ID", func(w *credWorld) { w.env["APP_STORE_CONNECT_API_KEY_KEY_ID"] = "FASTLANEKEY" }, "FASTLANEKEY"},
		{"SPACESHIP_CONNECT_API_KEY_ID", func(w *credWorld) { w.env["SPACESHIP_CONNECT_API_KEY_ID"] = "SPACESHIPKEY" }, "SPACESHIPKEY"},
		{"APP_STORE_CONNECT_KEY_IDENTIFIER", func(w *credWorld) { w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = "CODEMAGICKEY" }, "CODEMAGICKEY"},
		{"key_id in " + jsonPath, func(w *credWorld) { w.env["ASC_API_KEY_JSON"] = jsonPath }, "JSONKEY"},
	}
	for i := range sources {
		t.Run("winner "+sources[i].name, func(t *testing.T) {
			w := newCredWorld(t)
			w.flagNames = FlagNames{KeyID: "--key-id"}
			w.env["ASC_API_KEY_JSON"] = jsonPath // the last key ID
			w.flags.KeyFile = keyFile
			for _, s := range sources[i:] {
				s.set(w)
			}
			cfg, notices, err := w.load()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.KeyID != sources[i].keyID {
				t.Fatalf("KeyID = %q, want %q from %s", cfg.KeyID, sources[i].keyID, sources[i].name)
			}
			credSameKey(t, cfg, key)
			all := strings.Join(notices, "\n")
			for _, loser := range sources[i+1:] {
				want := "key ID: using " + sources[i].keyID + " from " + sources[i].name + "; ignoring " + loser.keyID + " from " + loser.name
				if !strings.Contains(all, want) {
					t.Errorf("notices:\n%s\nwant %q", all, want)
				}
			}
			// Each disagreement is told once.
			if n := strings.Count(all, "key ID: using"); n != len(sources)-i-1 {
				t.Errorf("%d key ID notices, want %d:\n%s", n, len(sources)-i-1, all)
			}
		})
	}

	t.Run("agreeing sources make no notice", func(t *testing.T) {
		w := newCredWorld(t)
		w.env = map[string]string{"ASC_KEY_ID": "SAME", "SPACESHIP_CONNECT_API_KEY_ID": "SAME", "ASC_ISSUER_ID": credIssuer,
			"ASC_PRIVATE_KEY": p8, "APP_STORE_CONNECT_PRIVATE_KEY": strings.ReplaceAll(p8, "\n", `\n`)}
		_, notices, err := w.load()
		if err != nil || len(notices) != 0 {
			t.Fatalf("err %v, notices %q; want neither", err, notices)
		}
	})

	t.Run("different keys: the first wins and the notice names both, no key bytes", func(t *testing.T) {
		other := apitest.PEM(t, apitest.NewKey(t))
		w := newCredWorld(t)
		path := credWrite(t, t.TempDir(), "first.p8", p8)
		w.env = map[string]string{"ASC_KEY_ID": "K", "ASC_ISSUER_ID": credIssuer, "ASC_PRIVATE_KEY_PATH": path,
			"APP_STORE_CONNECT_API_KEY_KEY": other, "SPACESHIP_CONNECT_API_KEY": "junk"}
		cfg, notices, err := w.load()
		if err != nil {
			t.Fatal(err)
		}
		credSameKey(t, cfg, key)
		all := strings.Join(notices, "\n")
		for _, want := range []string{
			"private key: using ASC_PRIVATE_KEY_PATH; ignoring APP_STORE_CONNECT_API_KEY_KEY, which holds a different key",
			"ignoring SPACESHIP_CONNECT_API_KEY, which does not load",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("notices:\n%s\nwant %q", all, want)
			}
		}
		credAssertNoSecrets(t, all, append(credSecrets(p8), credSecrets(other)...))
	})

	t.Run("flags beat everything, for every field", func(t *testing.T) {
		w := newCredWorld(t)
		flagKey := apitest.NewKey(t)
		w.flags = Given{KeyID: "F", IssuerID: "flag-issuer", KeyFile: credWrite(t, t.TempDir(), "f.p8", apitest.PEM(t, flagKey))}
		w.flagNames = FlagNames{KeyID: "--key-id", IssuerID: "--issuer-id", KeyFile: "--key"}
		w.env = map[string]string{"ASC_KEY_ID": "E", "ASC_ISSUER_ID": "env-issuer", "ASC_PRIVATE_KEY": p8}
		cfg, notices, err := w.load()
		if err != nil {
			t.Fatal(err)
		}
		credSameKey(t, cfg, flagKey)
		if cfg.KeyID != "F" || cfg.IssuerID != "flag-issuer" {
			t.Fatalf("got %v", cfg)
		}
		all := strings.Join(notices, "\n")
		for _, want := range []string{"using F from --key-id", "using flag-issuer from --issuer-id", "private key: using --key; ignoring ASC_PRIVATE_KEY"} {
			if !strings.Contains(all, want) {
				t.Errorf("notices:\n%s\nwant %q", all, want)
			}
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestLoadFastlaneJSON(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	b64 := base64.StdEncoding.EncodeToString([]byte(p8))

	for _, tc := range []struct {
		name     string
		json     string
		via      string // "flag", or the variable naming the file
		keyFile  string // a key file to write next to the JSON
		audience string
		lifetime time.Duration
	}{
		{name: "fastlane's documented form", via: "flag",
			json:     `{"key_id": "D383SF739", "issuer_id": "` + credIssuer + `", "key": ` + jsonString(p8) + `, "duration": 1200, "in_house": false}`,
			lifetime: 20 * time.Minute},
		{name: "base64 key, in house, duration as a string", via: "ASC_API_KEY_JSON",
			json:     `{"key_id": "D383SF739", "issuer_id": "` + credIssuer + `", "key": "` + b64 + `", "is_key_content_base64": true, "duration": "600", "in_house": true, "extra": [1, {"x": null}]}`,
			audience: ascjwt.AudienceEnterprise, lifetime: 10 * time.Minute},
		{name: "filepath next to the JSON", via: "APP_STORE_CONNECT_API_KEY_PATH", keyFile: "AuthKey_D383SF739.p8",
			json: `{"key_id": "D383SF739", "issuer_id": "` + credIssuer + `", "filepath": "AuthKey_D383SF739.p8", "duration": null}`},
		{name: "BOM and null fields", via: "flag",
			json: "\xef\xbb\xbf" + `{"key_id": "D383SF739", "issuer_id": "` + credIssuer + `", "key": ` + jsonString(p8) + `, "in_house": null, "is_key_content_base64": null}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := credWrite(t, dir, "api_key.json", tc.json)
			if tc.keyFile != "" {
				credWrite(t, dir, tc.keyFile, p8)
			}
			w := newCredWorld(t)
			if tc.via == "flag" {
				w.flags.APIKeyJSON = path
			} else {
				w.env[tc.via] = path
			}
			cfg, notices, err := w.load()
			if err != nil {
				t.Fatal(err)
			}
			credSameKey(t, cfg, key)
			if cfg.KeyID != "D383SF739" || cfg.IssuerID != credIssuer || cfg.Audience != tc.audience || cfg.Lifetime != tc.lifetime {
				t.Errorf("got %v; want audience %q lifetime %s", cfg, tc.audience, tc.lifetime)
			}
			if len(notices) > 0 {
				t.Errorf("unexpected notices %q", notices)
			}
		})
	}

	t.Run("the flag's file wins over the variable's, with a notice", func(t *testing.T) {
		dir := t.TempDir()
		w := newCredWorld(t)
		w.flags.APIKeyJSON = credWrite(t, dir, "a.json", `{"key_id": "A", "key": `+jsonString(p8)+`}`)
		w.flagNames.APIKeyJSON = "--api-key-json"
		w.env["ASC_API_KEY_JSON"] = credWrite(t, dir, "b.json", `not even JSON`)
		cfg, notices, err := w.load()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.KeyID != "A" {
			t.Fatalf("KeyID %q", cfg.KeyID)
		}
		if all := strings.Join(notices, "\n"); !strings.Contains(all, "from --api-key-json; ignoring") || !strings.Contains(all, "b.json from ASC_API_KEY_JSON") {
			t.Errorf("notices %q", notices)
		}
	})
}

func TestLoadAuthKeyDirs(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	for _, tc := range []struct {
		name  string
		place func(w *credWorld) string // writes the key, returns the source named
	}{
		{"$API_PRIVATE_KEYS_DIR", func(w *credWorld) string {
			dir := filepath.Join(w.home, "elsewhere")
			credWrite(t, dir, "AuthKey_ABC123.p8", p8)
			w.env["API_PRIVATE_KEYS_DIR"] = dir
			return "$API_PRIVATE_KEYS_DIR"
		}},
		{"./private_keys", func(w *credWorld) string {
			credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_ABC123.p8", p8)
			return "./private_keys"
		}},
		{"~/private_keys", func(w *credWorld) string {
			credWrite(t, filepath.Join(w.home, "private_keys"), "AuthKey_ABC123.p8", p8)
			return "~/private_keys"
		}},
		{"~/.private_keys", func(w *credWorld) string {
			credWrite(t, filepath.Join(w.home, ".private_keys"), "AuthKey_ABC123.p8", p8)
			return "~/.private_keys"
		}},
		{"~/.appstoreconnect/private_keys", func(w *credWorld) string {
			credWrite(t, filepath.Join(w.home, ".appstoreconnect", "private_keys"), "AuthKey_ABC123.p8", p8)
			return "~/.appstoreconnect/private_keys"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			w.env["ASC_KEY_ID"] = "ABC123"
			w.env["ASC_ISSUER_ID"] = credIssuer
			tc.place(w)
			cfg := w.mustLoad(t)
			credSameKey(t, cfg, key)
		})
	}

	t.Run("altool's order: the working directory before home", func(t *testing.T) {
		w := newCredWorld(t)
		w.env["ASC_KEY_ID"] = "ABC123"
		credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_ABC123.p8", p8)
		credWrite(t, filepath.Join(w.home, "private_keys"), "AuthKey_ABC123.p8", apitest.PEM(t, apitest.NewKey(t)))
		cfg := w.mustLoad(t)
		credSameKey(t, cfg, key)
	})

	t.Run("a found file that does not parse is an error, not skipped", func(t *testing.T) {
		w := newCredWorld(t)
		w.env["ASC_KEY_ID"] = "ABC123"
		bad := credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_ABC123.p8", "not a key")
		credWrite(t, filepath.Join(w.home, "private_keys"), "AuthKey_ABC123.p8", p8)
		_, _, err := w.load()
		if err == nil || !strings.Contains(err.Error(), bad) || errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v; want it to name %s", err, bad)
		}
	})
}

func TestLoadKeyIDFromFileName(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	path := credWrite(t, t.TempDir(), "AuthKey_2X9R4HXF34.p8", p8)

	w := newCredWorld(t)
	w.flags.KeyFile = path
	cfg := w.mustLoad(t)
	if cfg.KeyID != "2X9R4HXF34" {
		t.Fatalf("KeyID = %q, want it from the file name", cfg.KeyID)
	}

	// A key ID from another source that agrees with the name is no
	// conflict; one that disagrees is TestKeyIDAndKeyFileForAnotherKeyAreRefused.
	w.env["ASC_KEY_ID"] = "2X9R4HXF34"
	if cfg, notices, err := w.load(); err != nil || cfg.KeyID != "2X9R4HXF34" || len(notices) != 1 {
		t.Fatalf("got %v, notices %q, err %v; want the agreeing key ID and only the issuer notice", cfg, notices, err)
	}

	t.Run("relative and ~ paths", func(t *testing.T) {
		w := newCredWorld(t)
		credWrite(t, w.work, "keys/AuthKey_REL1.p8", p8)
		credWrite(t, w.home, "keys/AuthKey_HOME1.p8", p8)
		for path, id := range map[string]string{"keys/AuthKey_REL1.p8": "REL1", "~/keys/AuthKey_HOME1.p8": "HOME1"} {
			w.env = map[string]string{"ASC_PRIVATE_KEY_PATH": path}
			cfg := w.mustLoad(t)
			if cfg.KeyID != id {
				t.Errorf("%s: KeyID %q, want %q", path, cfg.KeyID, id)
			}
		}
	})
}

func TestLoadErrors(t *testing.T) {
	p8 := apitest.PEM(t, apitest.NewKey(t))
	onP384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader) // a curve Apple does not issue keys on
	p384 := apitest.PEM(t, onP384)
	secrets := append(credSecrets(p8), credSecrets(p384)...)

	for _, tc := range []struct {
		name      string
		setup     func(w *credWorld)
		none      bool     // wraps ErrNotFound
		want      []string // all in the message
		wantNot   []string
		withFlags bool
	}{
		{name: "nothing, in a library", none: true,
			want:    []string{"credentials: no key ID: set ASC_KEY_ID (or APP_STORE_CONNECT_API_KEY_KEY_ID, SPACESHIP_CONNECT_API_KEY_ID, APP_STORE_CONNECT_KEY_IDENTIFIER)", "ASC_API_KEY_JSON", "AuthKey_<KEYID>.p8"},
			wantNot: []string{"--key-id", "--api-key-json"}},
		{name: "nothing, in a command", none: true, withFlags: true,
			want: []string{"credentials: no key ID: set --key-id or ASC_KEY_ID (or APP_STORE_CONNECT_API_KEY_KEY_ID", "--api-key-json"}},
		{name: "no key", none: true, withFlags: true, setup: func(w *credWorld) { w.env["ASC_KEY_ID"] = "ABC123" },
			want: []string{"no private key for key ID ABC123: set --key or ASC_PRIVATE_KEY_PATH (or ASC_PRIVATE_KEY, ASC_PRIVATE_KEY_B64, APP_STORE_CONNECT_API_KEY_KEY_FILEPATH",
				"SPACESHIP_CONNECT_API_KEY", "APP_STORE_CONNECT_PRIVATE_KEY", "AuthKey_ABC123.p8", "$API_PRIVATE_KEYS_DIR (unset)", "./private_keys", "~/private_keys", "~/.private_keys", "~/.appstoreconnect/private_keys"}},
		{name: "key file missing", setup: func(w *credWorld) {
			w.env["ASC_KEY_ID"] = "ABC123"
			w.env["ASC_PRIVATE_KEY_PATH"] = "/nonexistent/AuthKey_ABC123.p8"
		}, want: []string{"ASC_PRIVATE_KEY_PATH", "/nonexistent/AuthKey_ABC123.p8", "no such file"}},
		{name: "key file unreadable (a directory)", setup: func(w *credWorld) {
			w.env["ASC_KEY_ID"] = "ABC123"
			w.flags.KeyFile = w.work
		}, want: []string{"Given.KeyFile", w0}},
		{name: "P-384 key", setup: func(w *credWorld) {
			w.env["ASC_KEY_ID"] = "ABC123"
			w.env["ASC_PRIVATE_KEY"] = p384
		}, want: []string{"ASC_PRIVATE_KEY", "P-384", "P-256"}},
		{name: "not a key", setup: func(w *credWorld) {
			w.env["ASC_KEY_ID"] = "ABC123"
			w.env["APP_STORE_CONNECT_API_KEY_KEY"] = p8[:100] + "garbage"
		}, want: []string{"APP_STORE_CONNECT_API_KEY_KEY"}},
		{name: "a path where the key goes", setup: func(w *credWorld) {
			w.env["ASC_KEY_ID"] = "ABC123"
			w.env["ASC_PRIVATE_KEY"] = "/keys/AuthKey_ABC123.p8"
		}, want: []string{"ASC_PRIVATE_KEY", "holds a file name, not a key"}},
		{name: "declared base64 but not", setup: func(w *credWorld) {
			w.env["ASC_KEY_ID"] = "ABC123"
			w.env["APP_STORE_CONNECT_API_KEY_KEY"] = p8
			w.env["APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64"] = "true"
		}, want: []string{"APP_STORE_CONNECT_API_KEY_KEY", "declared base64"}},
		{name: "bad duration", setup: func(w *credWorld) { w.env["APP_STORE_CONNECT_API_KEY_DURATION"] = "20m" },
			want: []string{"APP_STORE_CONNECT_API_KEY_DURATION", "whole number of seconds"}},
		{name: "duration over 20 minutes", setup: func(w *credWorld) { w.env["SPACESHIP_CONNECT_API_TOKEN_DURATION"] = "3600" },
			want: []string{"SPACESHIP_CONNECT_API_TOKEN_DURATION", "1200"}},
		{name: "bad in_house", setup: func(w *credWorld) { w.env["APP_STORE_CONNECT_API_KEY_IN_HOUSE"] = "maybe" },
			want: []string{"APP_STORE_CONNECT_API_KEY_IN_HOUSE", "true or false"}},
		{name: "bad is_key_content_base64", setup: func(w *credWorld) { w.env["APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64"] = "base64" },
			want: []string{"APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64", "true or false"}},
		{name: "Codemagic @env: of nothing", setup: func(w *credWorld) { w.env["APP_STORE_CONNECT_PRIVATE_KEY"] = "@env:NOPE" },
			want: []string{"APP_STORE_CONNECT_PRIVATE_KEY is @env:NOPE, but NOPE is not set"}},
		{name: "Codemagic @file: missing", setup: func(w *credWorld) { w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = "@file:/nonexistent/id" },
			want: []string{"APP_STORE_CONNECT_KEY_IDENTIFIER (@file:/nonexistent/id)", "no such file"}},
		{name: "JSON file missing", setup: func(w *credWorld) { w.env["ASC_API_KEY_JSON"] = "/nonexistent/key.json" },
			want: []string{"API key JSON from ASC_API_KEY_JSON", "/nonexistent/key.json", "no such file"}},
		{name: "JSON malformed", setup: func(w *credWorld) {
			w.flags.APIKeyJSON = credWrite(t, w.work, "k.json", `{"key_id": "X", "key": "`+strings.ReplaceAll(p8, "\n", "\\x")+`"}`)
		}, withFlags: true, want: []string{"API key JSON", "k.json", "(from --api-key-json)", "syntax error at line 1"}},
		{name: "key ID that cannot name a file", setup: func(w *credWorld) { w.env["ASC_KEY_ID"] = "../../etc/x" },
			want: []string{"ASC_KEY_ID holds a punctuation character at byte 3", "a key ID is 10 letters and digits"}, wantNot: []string{"etc/x"}},
		{name: "key ID with '-' is not looked for as a file", setup: func(w *credWorld) { w.env["ASC_KEY_ID"] = "KEY-1" },
			want: []string{"key ID KEY-1 holds '-', '_' or '.'", "no AuthKey file is looked for"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			if tc.withFlags {
				w.flagNames = commandFlags
			}
			if tc.setup != nil {
				tc.setup(w)
			}
			cfg, notices, err := w.load()
			if err == nil {
				t.Fatalf("loaded %v", cfg)
			}
			msg := err.Error()
			t.Log(msg)
			if errors.Is(err, ErrNotFound) != tc.none {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", !tc.none, tc.none)
			}
			for _, want := range tc.want {
				if want == w0 {
					want = w.work
				}
				if !strings.Contains(msg, want) {
					t.Errorf("err = %s\nwant it to say %q", msg, want)
				}
			}
			for _, not := range tc.wantNot {
				if strings.Contains(msg, not) {
					t.Errorf("err = %s\nnames %q, which this caller does not have", msg, not)
				}
			}
			credAssertNoSecrets(t, msg+strings.Join(notices, "\n"), secrets)
			if !reflect.ValueOf(cfg).IsZero() {
				t.Errorf("a failed load returned %v", cfg)
			}
		})
	}
}

// w0 stands for the test's working directory in expected messages.
const w0 = "\x00workdir"

func TestConfigFromEnv(t *testing.T) {
	key := apitest.NewKey(t)
	home := t.TempDir()
	credWrite(t, filepath.Join(home, ".appstoreconnect", "private_keys"), "AuthKey_ENVKEY1234.p8", apitest.PEM(t, key))
	t.Setenv("HOME", home)
	for _, f := range envFamilies {
		for _, name := range []string{f.keyID, f.issuerID, f.keyContent, f.keyBase64, f.keyPath, f.contentIsBase64, f.duration, f.inHouse} {
			if name != "" {
				t.Setenv(name, "") // empty counts as unset
			}
		}
	}
	t.Setenv("ASC_API_KEY_JSON", "")
	t.Setenv("APP_STORE_CONNECT_API_KEY_PATH", "")
	t.Setenv("API_PRIVATE_KEYS_DIR", "")
	t.Setenv("ASC_KEY_ID", "ENVKEY1234")
	t.Setenv("ASC_ISSUER_ID", credIssuer)
	t.Chdir(t.TempDir())

	cfg, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	credSameKey(t, cfg, key)
	if cfg.KeyID != "ENVKEY1234" || cfg.IssuerID != credIssuer {
		t.Fatalf("got %v", cfg)
	}
	// The ascjwt.Config prints without key material, as every ascjwt.Config does.
	credAssertNoSecrets(t, cfg.String(), credSecrets(apitest.PEM(t, key)))
}
