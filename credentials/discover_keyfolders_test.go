package credentials

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// Issue 13's credential items: the key folders name the key when nothing
// else does, and a key ID never signs with a key file named for another.

func TestOnlyKeyInAKeyFolderGivesKeyAndKeyID(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	for _, tc := range []struct {
		name  string
		place func(w *credWorld)
	}{
		// What "ascjwt keygen --dir ./private_keys" leaves.
		{"./private_keys", func(w *credWorld) { credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_7KQ2M4XZ9A.p8", p8) }},
		{"~/.appstoreconnect/private_keys", func(w *credWorld) {
			credWrite(t, filepath.Join(w.home, ".appstoreconnect", "private_keys"), "AuthKey_7KQ2M4XZ9A.p8", p8)
		}},
		{"$API_PRIVATE_KEYS_DIR", func(w *credWorld) {
			w.env["API_PRIVATE_KEYS_DIR"] = filepath.Join(w.home, "keys")
			credWrite(t, filepath.Join(w.home, "keys"), "AuthKey_7KQ2M4XZ9A.p8", p8)
		}},
		{"beside files that are not keys", func(w *credWorld) {
			dir := filepath.Join(w.work, "private_keys")
			credWrite(t, dir, "AuthKey_7KQ2M4XZ9A.p8", p8)
			credWrite(t, dir, "README.md", "keys")
			credWrite(t, dir, "AuthKey_bad-name.p8", "not a key")
			credWrite(t, dir, "AuthKey_DIR0000000.p8/x", "a folder, not a key")
		}},
		{"files where other key folders would be are skipped", func(w *credWorld) {
			credWrite(t, w.home, "private_keys", "a file, not a folder")
			credWrite(t, w.home, ".appstoreconnect", "a file, so its private_keys is no folder either")
			credWrite(t, filepath.Join(w.home, ".private_keys"), "AuthKey_7KQ2M4XZ9A.p8", p8)
		}},
		{"the same key ID in two folders: the first in altool's order", func(w *credWorld) {
			credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_7KQ2M4XZ9A.p8", p8)
			credWrite(t, filepath.Join(w.home, "private_keys"), "AuthKey_7KQ2M4XZ9A.p8", apitest.PEM(t, apitest.NewKey(t)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			w.env["ASC_ISSUER_ID"] = credIssuer
			tc.place(w)
			cfg, notices, err := w.load()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.KeyID != "7KQ2M4XZ9A" || cfg.IssuerID != credIssuer {
				t.Fatalf("got %v; want key ID 7KQ2M4XZ9A from the file's name", cfg)
			}
			credSameKey(t, cfg, key)
			if len(notices) != 0 {
				t.Errorf("notices %q; want none", notices)
			}
			credSignsAs(t, cfg, key, "7KQ2M4XZ9A")
		})
	}
}

func TestSeveralKeysInKeyFoldersAreRefusedListingThem(t *testing.T) {
	p8a := apitest.PEM(t, apitest.NewKey(t))
	p8b := apitest.PEM(t, apitest.NewKey(t))
	secrets := append(credAllSecrets(t, p8a), credAllSecrets(t, p8b)...)
	for _, tc := range []struct {
		name      string
		withFlags bool
		place     func(w *credWorld) []string // returns the paths to list
	}{
		{"two in ./private_keys", true, func(w *credWorld) []string {
			return []string{
				credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_AAAAAAAAAA.p8", p8a),
				credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_BBBBBBBBBB.p8", p8b),
			}
		}},
		{"two in a folder that is both ./private_keys and ~/private_keys", true, func(w *credWorld) []string {
			w.work = w.home // each key listed once, not once per name of its folder
			return []string{
				credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_AAAAAAAAAA.p8", p8a),
				credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_BBBBBBBBBB.p8", p8b),
			}
		}},
		{"one here, one in home, in a library", false, func(w *credWorld) []string {
			return []string{
				credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_AAAAAAAAAA.p8", p8a),
				credWrite(t, filepath.Join(w.home, ".private_keys"), "AuthKey_BBBBBBBBBB.p8", p8b),
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			if tc.withFlags {
				w.flagNames = FlagNames{KeyID: "--key-id", KeyFile: "--key"}
			}
			paths := tc.place(w)
			cfg, notices, err := w.load()
			if err == nil {
				t.Fatalf("loaded %v; want the choice refused", cfg)
			}
			if !errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
				t.Errorf("err %v: want ErrConflict and not ErrNotFound", err)
			}
			msg := err.Error()
			want := []string{"no key ID is set and the key folders hold 2 keys: " + strings.Join(paths, ", ")}
			if tc.withFlags {
				want = append(want, "set --key-id or ASC_KEY_ID", "set --key or ASC_PRIVATE_KEY_PATH")
			} else {
				want = append(want, "set ASC_KEY_ID", "set ASC_PRIVATE_KEY_PATH")
			}
			for _, s := range want {
				if !strings.Contains(msg, s) {
					t.Errorf("err = %s\nwant it to say %q", msg, s)
				}
			}
			for _, p := range paths {
				if n := strings.Count(msg, p); n != 1 {
					t.Errorf("err = %s\nlists %s %d times, want once", msg, p, n)
				}
			}
			if len(notices) != 0 || !reflect.ValueOf(cfg).IsZero() {
				t.Errorf("notices %q, config %v; want neither", notices, cfg)
			}
			credAssertClean(t, msg, secrets, "")

			// Naming one settles it.
			w.env["ASC_KEY_ID"] = "BBBBBBBBBB"
			if cfg, _, err := w.load(); err != nil || cfg.KeyID != "BBBBBBBBBB" {
				t.Fatalf("with ASC_KEY_ID set: %v, %v", cfg, err)
			}
		})
	}

	t.Run("a long list is cut short", func(t *testing.T) {
		w := newCredWorld(t)
		for _, c := range "ABCDEFGHIJKL" {
			credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_"+strings.Repeat(string(c), 10)+".p8", p8a)
		}
		_, _, err := w.load()
		if err == nil || !strings.Contains(err.Error(), "hold 12 keys") || !strings.Contains(err.Error(), "and 2 more") || strings.Contains(err.Error(), "LLLLLLLLLL") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestEmptyKeyFoldersMeanNoCredentials(t *testing.T) {
	w := newCredWorld(t)
	credWrite(t, filepath.Join(w.work, "private_keys"), "notes.txt", "no keys here")
	_, _, err := w.load()
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v; want ErrNotFound", err)
	}
}

func TestKeyWithoutIDDoesNotBorrowAFolderFilesID(t *testing.T) {
	// A key given by content has no name; the folder's file may hold
	// another key, so its ID is not taken.
	p8 := apitest.PEM(t, apitest.NewKey(t))
	w := newCredWorld(t)
	w.env["ASC_PRIVATE_KEY"] = p8
	credWrite(t, filepath.Join(w.work, "private_keys"), "AuthKey_7KQ2M4XZ9A.p8", apitest.PEM(t, apitest.NewKey(t)))
	_, _, err := w.load()
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no key ID") {
		t.Fatalf("err = %v; want no key ID", err)
	}
}

func TestKeyIDAndKeyFileForAnotherKeyAreRefused(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	secrets := credAllSecrets(t, p8)
	for _, tc := range []struct {
		name      string
		withFlags bool
		set       func(w *credWorld, keyFile string)
		want      string
	}{
		{"ASC_KEY_ID and --key, the issue's case", true, func(w *credWorld, keyFile string) {
			w.env["ASC_KEY_ID"] = "AAAAAAAAAA"
			w.flags.KeyFile = keyFile
		}, "key ID AAAAAAAAAA from ASC_KEY_ID and the key file AuthKey_BBBBBBBBBB.p8 from --key name different keys; Apple would refuse the tokens. Make them agree: pass --key-id BBBBBBBBBB, or use the file AuthKey_AAAAAAAAAA.p8"},
		{"--key-id and ASC_PRIVATE_KEY_PATH", true, func(w *credWorld, keyFile string) {
			w.flags.KeyID = "AAAAAAAAAA"
			w.env["ASC_PRIVATE_KEY_PATH"] = keyFile
		}, "key ID AAAAAAAAAA from --key-id and the key file AuthKey_BBBBBBBBBB.p8 from ASC_PRIVATE_KEY_PATH name different keys"},
		{"fastlane's variables, in a library", false, func(w *credWorld, keyFile string) {
			w.env["APP_STORE_CONNECT_API_KEY_KEY_ID"] = "AAAAAAAAAA"
			w.env["APP_STORE_CONNECT_API_KEY_KEY_FILEPATH"] = keyFile
		}, "key ID AAAAAAAAAA from APP_STORE_CONNECT_API_KEY_KEY_ID and the key file AuthKey_BBBBBBBBBB.p8 from APP_STORE_CONNECT_API_KEY_KEY_FILEPATH name different keys; Apple would refuse the tokens. Make them agree: set APP_STORE_CONNECT_API_KEY_KEY_ID to BBBBBBBBBB"},
		{"an API key JSON's key_id and filepath", false, func(w *credWorld, keyFile string) {
			w.env["ASC_API_KEY_JSON"] = credWrite(t, filepath.Dir(keyFile), "api_key.json", `{"key_id": "AAAAAAAAAA", "filepath": "AuthKey_BBBBBBBBBB.p8"}`)
		}, "set key_id to BBBBBBBBBB in "},
		{"a key ID from one tool, the file from another", false, func(w *credWorld, keyFile string) {
			w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = "AAAAAAAAAA"
			w.env["SPACESHIP_CONNECT_API_KEY_FILEPATH"] = keyFile
		}, "from APP_STORE_CONNECT_KEY_IDENTIFIER and the key file AuthKey_BBBBBBBBBB.p8 from SPACESHIP_CONNECT_API_KEY_FILEPATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			if tc.withFlags {
				w.flagNames = commandFlags
			}
			w.env["ASC_ISSUER_ID"] = credIssuer
			tc.set(w, credWrite(t, t.TempDir(), "AuthKey_BBBBBBBBBB.p8", p8))
			credExpectConflict(t, w, secrets, tc.want)
		})
	}

	t.Run("a losing key ID that disagrees is only told", func(t *testing.T) {
		// --key-id and --key agree; ASC_KEY_ID loses and names no file,
		// so nothing combines wrongly.
		w := newCredWorld(t)
		w.flagNames = commandFlags
		w.flags = Given{KeyID: "BBBBBBBBBB", KeyFile: credWrite(t, t.TempDir(), "AuthKey_BBBBBBBBBB.p8", p8)}
		w.env["ASC_KEY_ID"] = "AAAAAAAAAA"
		w.env["ASC_ISSUER_ID"] = credIssuer
		cfg, notices, err := w.load()
		if err != nil {
			t.Fatal(err)
		}
		if want := "key ID: using BBBBBBBBBB from --key-id; ignoring AAAAAAAAAA from ASC_KEY_ID"; len(notices) != 1 || notices[0] != "credentials: "+want {
			t.Errorf("notices %q; want %q", notices, want)
		}
		credSameKey(t, cfg, key)
		credSignsAs(t, cfg, key, "BBBBBBBBBB")
	})
}

// TestKeyIDForAnotherKeyThanTheKeysOwnSourceIsRefused: a source that gives
// a key and its key ID together (a fastlane API key JSON, a tool's own
// variables) says which key the private key is. A key ID from a source
// that wins over it and names another key would sign tokens Apple refuses,
// as a key file named for another ID would; it is refused the same way.
func TestKeyIDForAnotherKeyThanTheKeysOwnSourceIsRefused(t *testing.T) {
	key := apitest.NewKey(t)
	p8 := apitest.PEM(t, key)
	secrets := credAllSecrets(t, p8)
	for _, tc := range []struct {
		name      string
		withFlags bool
		set       func(w *credWorld, dir string)
		want      []string
	}{
		{"ASC_KEY_ID and a fastlane JSON for another key", false, func(w *credWorld, dir string) {
			w.env["ASC_KEY_ID"] = "AAAAAAAAAA"
			w.env["ASC_API_KEY_JSON"] = credWrite(t, dir, "api_key.json", `{"key_id": "BBBBBBBBBB", "issuer_id": "`+credIssuer+`", "key": `+jsonString(p8)+`}`)
		}, []string{"key ID AAAAAAAAAA from ASC_KEY_ID and the private key from key in ", "api_key.json, which key_id in ", " says is key BBBBBBBBBB, name different keys; Apple would refuse the tokens. Make them agree: set ASC_KEY_ID to BBBBBBBBBB, or give the private key of AAAAAAAAAA"}},
		{"--key-id and a fastlane JSON whose filepath names no key ID", true, func(w *credWorld, dir string) {
			credWrite(t, dir, "key.p8", p8)
			w.flags.KeyID = "AAAAAAAAAA"
			w.flags.APIKeyJSON = credWrite(t, dir, "api_key.json", `{"key_id": "BBBBBBBBBB", "filepath": "key.p8"}`)
		}, []string{"key ID AAAAAAAAAA from --key-id and the private key from filepath in ", "says is key BBBBBBBBBB", "pass --key-id BBBBBBBBBB"}},
		{"ASC_KEY_ID and fastlane's variables for another key", false, func(w *credWorld, dir string) {
			w.env["ASC_KEY_ID"] = "AAAAAAAAAA"
			w.env["APP_STORE_CONNECT_API_KEY_KEY_ID"] = "BBBBBBBBBB"
			w.env["APP_STORE_CONNECT_API_KEY_KEY"] = p8
		}, []string{"key ID AAAAAAAAAA from ASC_KEY_ID and the private key from APP_STORE_CONNECT_API_KEY_KEY, which APP_STORE_CONNECT_API_KEY_KEY_ID says is key BBBBBBBBBB"}},
		{"ASC_KEY_ID and Codemagic's variables for another key", false, func(w *credWorld, dir string) {
			w.env["ASC_KEY_ID"] = "AAAAAAAAAA"
			w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = "@file:" + credWrite(t, dir, "id.txt", "BBBBBBBBBB\n")
			w.env["APP_STORE_CONNECT_PRIVATE_KEY"] = "@file:" + credWrite(t, dir, "key.p8", p8)
		}, []string{"key ID AAAAAAAAAA from ASC_KEY_ID and the private key from APP_STORE_CONNECT_PRIVATE_KEY (@file:", "which APP_STORE_CONNECT_KEY_IDENTIFIER (@file:", "says is key BBBBBBBBBB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			if tc.withFlags {
				w.flagNames = commandFlags
			}
			tc.set(w, t.TempDir())
			credExpectConflict(t, w, secrets, tc.want...)
		})
	}

	t.Run("the same key ID in both loads, and a later source's own key is only told", func(t *testing.T) {
		w := newCredWorld(t)
		dir := t.TempDir()
		other := apitest.PEM(t, apitest.NewKey(t))
		w.env["ASC_KEY_ID"] = "BBBBBBBBBB"
		w.env["APP_STORE_CONNECT_API_KEY_KEY_ID"] = "BBBBBBBBBB"
		w.env["APP_STORE_CONNECT_API_KEY_KEY"] = p8
		w.env["ASC_ISSUER_ID"] = credIssuer
		// The JSON loses to fastlane's variables, so its key ID names no
		// key that signs.
		w.env["ASC_API_KEY_JSON"] = credWrite(t, dir, "api_key.json", `{"key_id": "CCCCCCCCCC", "key": `+jsonString(other)+`}`)
		cfg, notices, err := w.load()
		if err != nil {
			t.Fatal(err)
		}
		credSameKey(t, cfg, key)
		if cfg.KeyID != "BBBBBBBBBB" {
			t.Fatalf("KeyID %q", cfg.KeyID)
		}
		all := strings.Join(notices, "\n")
		if !strings.Contains(all, "key ID: using BBBBBBBBBB from ASC_KEY_ID; ignoring CCCCCCCCCC from key_id in ") ||
			!strings.Contains(all, "private key: using APP_STORE_CONNECT_API_KEY_KEY; ignoring key in ") {
			t.Errorf("notices %q", notices)
		}
	})
}

// TestMissingKeyFileIsReportedAsMissing: a key file that is not there names
// no key, whatever its name says. The error says the file does not exist
// and where the path came from, never that the key IDs disagree (which
// would point at a --key-id fix for a file that is not there).
func TestMissingKeyFileIsReportedAsMissing(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(w *credWorld, dir string)
		want string
	}{
		{"--key named for another key ID", func(w *credWorld, dir string) {
			w.flags = Given{KeyID: "AAAAAAAAAA", KeyFile: filepath.Join(dir, "AuthKey_TYPO123456.p8")}
		}, "credentials: the key file " + "DIR/AuthKey_TYPO123456.p8 from --key does not exist (no such file or directory); check the path"},
		{"ASC_PRIVATE_KEY_PATH with no key ID", func(w *credWorld, dir string) {
			w.env["ASC_PRIVATE_KEY_PATH"] = filepath.Join(dir, "AuthKey_BBBBBBBBBB.p8")
		}, "the key file DIR/AuthKey_BBBBBBBBBB.p8 from ASC_PRIVATE_KEY_PATH does not exist"},
		{"a path through a file", func(w *credWorld, dir string) {
			credWrite(t, dir, "file", "x")
			w.env["ASC_KEY_ID"] = "AAAAAAAAAA"
			w.env["ASC_PRIVATE_KEY_PATH"] = filepath.Join(dir, "file", "AuthKey_AAAAAAAAAA.p8")
		}, "the key file DIR/file/AuthKey_AAAAAAAAAA.p8 from ASC_PRIVATE_KEY_PATH does not exist (not a directory)"},
		{"a fastlane JSON's filepath", func(w *credWorld, dir string) {
			w.env["ASC_KEY_ID"] = "AAAAAAAAAA"
			w.env["ASC_API_KEY_JSON"] = credWrite(t, dir, "api_key.json", `{"key_id": "AAAAAAAAAA", "filepath": "AuthKey_BBBBBBBBBB.p8"}`)
		}, "the key file DIR/AuthKey_BBBBBBBBBB.p8 from filepath in DIR/api_key.json does not exist"},
		{"Codemagic's @file:", func(w *credWorld, dir string) {
			w.env["APP_STORE_CONNECT_KEY_IDENTIFIER"] = "AAAAAAAAAA"
			w.env["APP_STORE_CONNECT_PRIVATE_KEY"] = "@file:" + filepath.Join(dir, "AuthKey_BBBBBBBBBB.p8")
		}, "the key file DIR/AuthKey_BBBBBBBBBB.p8 from APP_STORE_CONNECT_PRIVATE_KEY (@file:DIR/AuthKey_BBBBBBBBBB.p8) does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCredWorld(t)
			w.flagNames = commandFlags
			dir := t.TempDir()
			tc.set(w, dir)
			_, notices, err := w.load()
			want := strings.ReplaceAll(tc.want, "DIR", dir)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v\nwant it to say %q", err, want)
			}
			if errors.Is(err, ErrConflict) || strings.Contains(err.Error(), "different keys") || strings.Contains(err.Error(), "--key-id") {
				t.Errorf("a missing file is reported as a key ID mismatch: %v", err)
			}
			if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
				t.Errorf("err %v does not match fs.ErrNotExist", err)
			}
			if len(notices) != 0 {
				t.Errorf("notices %q; want none", notices)
			}
		})
	}
}

// credExpectConflict loads w and checks that it is refused for a key ID
// that names another key than the key's (AAAAAAAAAA against BBBBBBBBBB):
// ErrConflict, each of want in the error, no notice and no config, and
// none of secrets in the message.
func credExpectConflict(t *testing.T, w *credWorld, secrets []string, want ...string) {
	t.Helper()
	cfg, notices, err := w.load()
	if err == nil {
		t.Fatalf("loaded %v: key ID AAAAAAAAAA with the key of BBBBBBBBBB", cfg)
	}
	if !errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		t.Errorf("err %v: want ErrConflict and not ErrNotFound", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("err = %s\nwant it to say %q", err, w)
		}
	}
	if len(notices) != 0 || !reflect.ValueOf(cfg).IsZero() {
		t.Errorf("notices %q, config %v; want neither", notices, cfg)
	}
	credAssertClean(t, err.Error(), secrets, "")
}
