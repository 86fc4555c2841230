package credentials

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// Regression tests for issue 10's leaks in discovery: a value in the wrong
// variable (often the private key, when CI secrets are swapped) is refused
// before anything is printed, and described, never quoted.

// credKeyForms are the shapes in which a private key reaches a variable.
func credKeyForms(t testing.TB, p8 string) map[string]string {
	t.Helper()
	block := strings.Split(strings.TrimSpace(p8), "\n")
	return map[string]string{
		"PEM":                      p8,
		"PEM with literal \\n":     strings.ReplaceAll(p8, "\n", `\n`),
		"base64 body":              strings.Join(block[1:len(block)-1], ""),
		"base64 of the whole file": base64.StdEncoding.EncodeToString([]byte(p8)),
	}
}

// credAllSecrets lists strings of every form of a key: none may appear in a
// message, whole or in a 16-byte piece.
func credAllSecrets(t testing.TB, p8 string) []string {
	var out []string
	for _, form := range credKeyForms(t, p8) {
		for i := 0; i+16 <= len(form); i += 16 {
			if piece := form[i : i+16]; !strings.ContainsAny(piece, "\n-\\") {
				out = append(out, piece)
			}
		}
	}
	return out
}

// credAssertClean fails if msg holds any secret or the marker.
func credAssertClean(t testing.TB, msg string, secrets []string, marker string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Fatalf("message holds key material %q:\n%s", s, msg)
		}
	}
	if marker != "" && strings.Contains(msg, marker) {
		t.Fatalf("message quotes the rejected value (marker %q):\n%s", marker, msg)
	}
}

func TestPrivateKeyInAnIDVariableIsRefusedUnprinted(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	secrets := credAllSecrets(t, p8)
	for form, value := range credKeyForms(t, p8) {
		for _, place := range []struct {
			name, want string
			set        func(w *credWorld, value string)
		}{
			{"ASC_KEY_ID", "ASC_KEY_ID looks like a private key, not a key ID", func(w *credWorld, v string) { w.env["ASC_KEY_ID"] = v }},
			{"ASC_ISSUER_ID", "ASC_ISSUER_ID looks like a private key, not an issuer ID", func(w *credWorld, v string) { w.env["ASC_ISSUER_ID"] = v }},
			{"fastlane key ID", "APP_STORE_CONNECT_API_KEY_KEY_ID looks like a private key", func(w *credWorld, v string) { w.env["APP_STORE_CONNECT_API_KEY_KEY_ID"] = v }},
			{"spaceship issuer ID", "SPACESHIP_CONNECT_API_ISSUER_ID looks like a private key", func(w *credWorld, v string) { w.env["SPACESHIP_CONNECT_API_ISSUER_ID"] = v }},
			{"Codemagic key ID", "APP_STORE_CONNECT_KEY_IDENTIFIER looks like a private key", func(w *credWorld, v string) { w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = v }},
			{"Codemagic key ID via @env:", "APP_STORE_CONNECT_KEY_IDENTIFIER (@env:SECRET_ID) looks like a private key", func(w *credWorld, v string) {
				w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = "@env:SECRET_ID"
				w.env["SECRET_ID"] = v
			}},
			{"the --key-id flag", "--key-id looks like a private key", func(w *credWorld, v string) { w.flags.KeyID = v }},
			{"key_id in an API key JSON", "key_id in ", func(w *credWorld, v string) {
				w.env["ASC_API_KEY_JSON"] = credWrite(t, w.work, "api_key.json", `{"key_id": `+jsonString(v)+`, "key": `+jsonString(p8)+`}`)
			}},
		} {
			t.Run(place.name+"/"+form, func(t *testing.T) {
				w := newCredWorld(t)
				w.flagNames = FlagNames{KeyID: "--key-id", KeyFile: "--key"}
				// The key file named for another key ID is what made the
				// old "does not match the key file's name" notice quote
				// the ID.
				w.env["ASC_PRIVATE_KEY_PATH"] = credWrite(t, w.work, "AuthKey_2X9R4HXF34.p8", p8)
				place.set(w, value)
				cfg, notices, err := w.load()
				if err == nil {
					t.Fatalf("loaded %v; want the ID refused", cfg)
				}
				if !strings.Contains(err.Error(), place.want) {
					t.Errorf("err = %v\nwant it to say %q", err, place.want)
				}
				if len(notices) != 0 {
					t.Errorf("notices %q before the refusal; want none", notices)
				}
				if !reflect.ValueOf(cfg).IsZero() {
					t.Errorf("a failed load returned %v", cfg)
				}
				credAssertClean(t, err.Error()+strings.Join(notices, "\n"), secrets, "")
			})
		}
	}
}

func TestCodemagicKeyIdentifierNamingTheKeyFileIsRefusedUnprinted(t *testing.T) {
	p8 := apitest.PEM(t, apitest.NewKey(t))
	w := newCredWorld(t)
	keyFile := credWrite(t, w.work, "AuthKey_2X9R4HXF34.p8", p8)
	// The swap from the issue: the key file given as the key ID too.
	w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = "@file:AuthKey_2X9R4HXF34.p8"
	w.env["APP_STORE_CONNECT_PRIVATE_KEY"] = "@file:AuthKey_2X9R4HXF34.p8"
	w.env["APP_STORE_CONNECT_ISSUER_ID"] = credIssuer
	_, notices, err := w.load()
	if err == nil {
		t.Fatal("loaded; want the key ID refused")
	}
	// The reference is described as what it is, a file reference, not as
	// a private key in the variable.
	want := "APP_STORE_CONNECT_KEY_IDENTIFIER is a file reference, @file:" + keyFile + ", and that file holds a private key, not a key ID"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v\nwant it to say %q (the path is fine to print)", err, want)
	}
	if len(notices) != 0 {
		t.Errorf("notices %q; want none", notices)
	}
	credAssertClean(t, err.Error(), credAllSecrets(t, p8), "")
}

func TestOverlongIDsAreRefusedBySize(t *testing.T) {
	p8 := apitest.PEM(t, apitest.NewKey(t))
	marker := "LEAKMARKER"
	for _, tc := range []struct {
		name, variable, value string
		refused               bool
		want                  string
	}{
		{"4,096-byte key ID", "ASC_KEY_ID", strings.Repeat(marker, 409) + "ABCDEF", true, "ASC_KEY_ID is 4,096 bytes; a key ID is 10 letters and digits"},
		{"65-byte key ID", "ASC_KEY_ID", marker + strings.Repeat("A", 55), true, "ASC_KEY_ID is 65 bytes"},
		{"64-byte key ID", "ASC_KEY_ID", strings.Repeat("A", 64), false, ""},
		{"65-byte issuer ID", "ASC_ISSUER_ID", marker + strings.Repeat("-", 55), true, "ASC_ISSUER_ID is 65 bytes; an issuer ID is a UUID"},
		{"64-byte issuer ID", "ASC_ISSUER_ID", strings.Repeat("a-", 32), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			w.env["ASC_KEY_ID"] = "KEY1"
			w.env["ASC_PRIVATE_KEY"] = p8
			w.env[tc.variable] = tc.value
			cfg, notices, err := w.load()
			if !tc.refused {
				if err != nil {
					t.Fatalf("a %d-byte ID is refused: %v", len(tc.value), err)
				}
				if _, err := ascjwt.NewTokenSource(cfg); err != nil {
					t.Fatalf("NewTokenSource refuses it: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want %q", err, tc.want)
			}
			if len(notices) != 0 {
				t.Errorf("notices %q; want none", notices)
			}
			credAssertClean(t, err.Error(), nil, marker)
		})
	}
}

func TestRejectedValuesAreDescribedNotQuoted(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	body := base64.StdEncoding.EncodeToString(der)
	secrets := credAllSecrets(t, p8)
	const m = "QUOTEDMARKER" // in every rejected value; no message may hold it
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"white space inside a key ID", map[string]string{"ASC_KEY_ID": "AB " + m}, "ASC_KEY_ID holds white space at byte 3; a key ID is 10 letters and digits"},
		{"control character in an issuer ID", map[string]string{"ASC_ISSUER_ID": m + "\x1b[2J"}, "ASC_ISSUER_ID holds a control character at byte 13"},
		{"non-ASCII in a key ID", map[string]string{"ASC_KEY_ID": m + "é"}, "ASC_KEY_ID holds a character outside ASCII"},
		{"quote in a key ID", map[string]string{"SPACESHIP_CONNECT_API_KEY_ID": `"` + m + `"`}, "SPACESHIP_CONNECT_API_KEY_ID holds a punctuation character at byte 1"},
		{"key file's name as a key ID", map[string]string{"ASC_KEY_ID": "AuthKey_2X9R4HXF34.p8"}, "ASC_KEY_ID holds a file name, not a key ID (a key ID is 10 letters and digits, like 2X9R4HXF34); name the key file where a key file goes; this file's key ID is 2X9R4HXF34"},
		{"a path as a key ID", map[string]string{"ASC_KEY_ID": "/keys/" + m + ".p8"}, "ASC_KEY_ID holds a file name"},
		{"in_house not a boolean", map[string]string{"APP_STORE_CONNECT_API_KEY_IN_HOUSE": m}, "APP_STORE_CONNECT_API_KEY_IN_HOUSE is not a boolean; set it to true or false"},
		{"is_key_content_base64 holding the key", map[string]string{"APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64": p8 + m}, "APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64 is not a boolean"},
		{"duration not a number", map[string]string{"SPACESHIP_CONNECT_API_TOKEN_DURATION": m}, "SPACESHIP_CONNECT_API_TOKEN_DURATION is not a whole number of seconds"},
		{"@env: followed by the key", map[string]string{"APP_STORE_CONNECT_PRIVATE_KEY": "@env:" + p8 + m}, "APP_STORE_CONNECT_PRIVATE_KEY is @env: followed by something that is not a variable name"},
		{"key path holding the key", map[string]string{"ASC_KEY_ID": "K", "ASC_PRIVATE_KEY_PATH": p8 + m}, "ASC_PRIVATE_KEY_PATH looks like a private key, not a file's path"},
		{"key path holding the base64 body", map[string]string{"ASC_KEY_ID": "K", "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH": body}, "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH looks like a private key, not a file's path"},
		{"key path with a line break", map[string]string{"ASC_KEY_ID": "K", "SPACESHIP_CONNECT_API_KEY_FILEPATH": "a\n" + m}, "SPACESHIP_CONNECT_API_KEY_FILEPATH holds a line break or control character at byte 2"},
		{"@file: holding the key", map[string]string{"APP_STORE_CONNECT_PRIVATE_KEY": "@file:" + p8 + m}, "APP_STORE_CONNECT_PRIVATE_KEY (@file:) looks like a private key"},
		{"API key JSON variable holding the key", map[string]string{"ASC_API_KEY_JSON": body}, "ASC_API_KEY_JSON looks like a private key, not a file's path"},
		{"key folder variable holding the key", map[string]string{"API_PRIVATE_KEYS_DIR": p8 + m}, "API_PRIVATE_KEYS_DIR looks like a private key"},
		{"over-long path", map[string]string{"ASC_PRIVATE_KEY_PATH": strings.Repeat(m, 400)}, "ASC_PRIVATE_KEY_PATH is 4,800 bytes, too long for a file's path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			w.env = tc.env
			_, notices, err := w.load()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
			if errors.Is(err, ErrNotFound) {
				t.Errorf("a wrong value wraps ErrNotFound; it is configured, wrongly")
			}
			credAssertClean(t, err.Error()+strings.Join(notices, "\n"), secrets, m)
		})
	}

	t.Run("the JSON's filepath holding the key", func(t *testing.T) {
		w := newCredWorld(t)
		w.flags.APIKeyJSON = credWrite(t, w.work, "k.json", `{"key_id": "K", "filepath": `+jsonString(p8)+`}`)
		_, _, err := w.load()
		if err == nil || !strings.Contains(err.Error(), "filepath in "+filepath.Join(w.work, "k.json")+" looks like a private key") {
			t.Fatalf("err = %v", err)
		}
		credAssertClean(t, err.Error(), secrets, "")
	})
}

func TestWellFormedIDsStillLoad(t *testing.T) {
	// The checks refuse nothing Apple issues, nor the IDs of tests and
	// fakes: letters, digits, '-', '_' and '.', white space around them.
	p8 := apitest.PEM(t, apitest.NewKey(t))
	for _, ids := range [][2]string{
		{"2X9R4HXF34", "57246542-96fe-1a63-e053-0824d011072a"},
		{" 2X9R4HXF34\n", "\t" + credIssuer + "\r\n"},
		{"key_1.test", "json-issuer"},
	} {
		w := newCredWorld(t)
		w.env = map[string]string{"ASC_KEY_ID": ids[0], "ASC_ISSUER_ID": ids[1], "ASC_PRIVATE_KEY": p8}
		cfg, notices, err := w.load()
		if err != nil || len(notices) != 0 {
			t.Fatalf("IDs %q: err %v, notices %q", ids, err, notices)
		}
		if cfg.KeyID != strings.TrimSpace(ids[0]) || cfg.IssuerID != strings.TrimSpace(ids[1]) {
			t.Fatalf("got %v", cfg)
		}
	}
}

// TestCodemagicReferencesWhereNoneIsFollowedAreDescribedAsReferences: an
// @file: or @env: value is followed in Codemagic's variables only, as
// Codemagic's own tools do. Anywhere else it is named for what it is, a
// reference, with what to put there instead, not refused as a malformed
// key, ID or path (which points at the wrong fix).
func TestCodemagicReferencesWhereNoneIsFollowedAreDescribedAsReferences(t *testing.T) {
	const only = "which only APP_STORE_CONNECT_KEY_IDENTIFIER, APP_STORE_CONNECT_ISSUER_ID and APP_STORE_CONNECT_PRIVATE_KEY follow (one level deep)"
	p8 := apitest.PEM(t, apitest.NewKey(t))
	for _, tc := range []struct {
		name string
		set  func(w *credWorld, keyFile string)
		want string
	}{
		{"ASC_PRIVATE_KEY", func(w *credWorld, keyFile string) {
			w.env["ASC_KEY_ID"] = "2X9R4HXF34"
			w.env["ASC_PRIVATE_KEY"] = "@file:" + keyFile
		}, "credentials: ASC_PRIVATE_KEY is a Codemagic @file: reference, " + only + "; set ASC_PRIVATE_KEY to the key itself (PEM or base64)"},
		{"ASC_PRIVATE_KEY_B64", func(w *credWorld, keyFile string) { w.env["ASC_PRIVATE_KEY_B64"] = "@file:" + keyFile },
			"ASC_PRIVATE_KEY_B64 is a Codemagic @file: reference"},
		{"ASC_PRIVATE_KEY_PATH", func(w *credWorld, keyFile string) { w.env["ASC_PRIVATE_KEY_PATH"] = "@file:" + keyFile },
			"ASC_PRIVATE_KEY_PATH is a Codemagic @file: reference, " + only + "; set ASC_PRIVATE_KEY_PATH to the file's path alone"},
		{"fastlane's key ID", func(w *credWorld, keyFile string) { w.env["APP_STORE_CONNECT_API_KEY_KEY_ID"] = "@env:KEY_ID" },
			"APP_STORE_CONNECT_API_KEY_KEY_ID is a Codemagic @env: reference, " + only + "; set APP_STORE_CONNECT_API_KEY_KEY_ID to the key ID itself"},
		{"ASC_ISSUER_ID", func(w *credWorld, keyFile string) { w.env["ASC_ISSUER_ID"] = "@file:issuer.txt" },
			"ASC_ISSUER_ID is a Codemagic @file: reference, " + only + "; set ASC_ISSUER_ID to the issuer ID itself"},
		{"the --key flag", func(w *credWorld, keyFile string) { w.flags.KeyFile = "@file:" + keyFile },
			"--key is a Codemagic @file: reference"},
		{"an API key JSON's key", func(w *credWorld, keyFile string) {
			w.env["ASC_API_KEY_JSON"] = credWrite(t, filepath.Dir(keyFile), "api_key.json", `{"key_id": "2X9R4HXF34", "key": "@file:`+keyFile+`"}`)
		}, "api_key.json is a Codemagic @file: reference"},
		{"a reference a reference leads to", func(w *credWorld, keyFile string) {
			w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = "2X9R4HXF34"
			w.env["APP_STORE_CONNECT_PRIVATE_KEY"] = "@env:CM_KEY"
			w.env["CM_KEY"] = "@file:" + keyFile
		}, "APP_STORE_CONNECT_PRIVATE_KEY (@env:CM_KEY) is a Codemagic @file: reference, " + only},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			w.flagNames = commandFlags
			tc.set(w, credWrite(t, w.work, "AuthKey_2X9R4HXF34.p8", p8))
			_, notices, err := w.load()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "looks like a private key") || strings.Contains(err.Error(), "neither PEM nor base64") {
				t.Errorf("the reference is described as a malformed value: %v", err)
			}
			if len(notices) != 0 {
				t.Errorf("notices %q; want none", notices)
			}
			credAssertClean(t, err.Error(), credAllSecrets(t, p8), "")
		})
	}
}
