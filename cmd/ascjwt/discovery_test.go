package main

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/asctest"
)

// keygenInto runs the built keygen --dir dir and returns the key ID, the
// public key it printed, and the key file's path and contents.
func keygenInto(t *testing.T, b *bin, dir string) (id string, pub *ecdsa.PublicKey, path string, keyPEM []byte) {
	t.Helper()
	r := b.run("keygen", "--dir", dir)
	r.expect(t, exitOK)
	id, pubPEM, _ := strings.Cut(r.stdout, "\n")
	block, _ := pem.Decode([]byte(pubPEM))
	if block == nil {
		t.Fatalf("keygen printed no public key:\n%s", r.stdout)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(b.dir, dir, "AuthKey_"+id+".p8")
	keyPEM, err = os.ReadFile(path)
	if err != nil {
		t.Fatalf("keygen did not write %s: %v", path, err)
	}
	return id, k.(*ecdsa.PublicKey), path, keyPEM
}

// keyLines are the base64 lines of a PEM key, which no output may hold, and
// their first 16 characters, which catch a line cut short.
func keyLines(keyPEM []byte) []string {
	var lines []string
	for l := range strings.SplitSeq(string(keyPEM), "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			lines = append(lines, l, l[:min(16, len(l))])
		}
	}
	return lines
}

func holdsAny(s string, secrets []string) bool {
	for _, x := range secrets {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// TestBareTokenAfterKeygenUsesThatKey: the README's own keygen --dir
// ./private_keys, then a bare token, with nothing in the environment:
// the one key in the folder is the key, and its file name the key ID.
func TestBareTokenAfterKeygenUsesThatKey(t *testing.T) {
	b := newBin(t)
	id, pub, _, keyPEM := keygenInto(t, b, "./private_keys")
	r := b.run("token")
	r.expect(t, exitOK)
	tok, err := asctest.Verify(strings.TrimSpace(r.stdout), pub, asctest.VerifyOptions{KeyID: id, Individual: true})
	if err != nil {
		t.Fatalf("the token does not verify with the key keygen made: %v\n%s", err, r.stdout)
	}
	if tok.Header.KeyID != id {
		t.Fatalf("kid %q, want %q", tok.Header.KeyID, id)
	}
	if holdsAny(r.stderr, keyLines(keyPEM)) {
		t.Fatalf("stderr holds key material:\n%s", r.stderr)
	}
}

// TestBareTokenRefusesTwoKeys: with two keys in ./private_keys and nothing
// naming one, token picks neither: exit 2, both files listed, no token.
func TestBareTokenRefusesTwoKeys(t *testing.T) {
	b := newBin(t)
	_, _, pathA, keyA := keygenInto(t, b, "./private_keys")
	_, _, pathB, keyB := keygenInto(t, b, "./private_keys")
	r := b.run("token")
	r.expect(t, exitUsage, pathA, pathB, "no key ID is set and the key folders hold 2 keys")
	if r.stdout != "" {
		t.Fatalf("stdout: %q; want nothing", r.stdout)
	}
	if n := strings.Count(r.stderr, pathA); n != 1 {
		t.Errorf("%s listed %d times, want once:\n%s", pathA, n, r.stderr)
	}
	if holdsAny(r.stderr, append(keyLines(keyA), keyLines(keyB)...)) {
		t.Fatalf("stderr holds key material:\n%s", r.stderr)
	}
}

// TestKeyIDAndKeyFileOfAnotherKeyRefused: ASC_KEY_ID=A with --key
// AuthKey_B.p8 would sign tokens Apple refuses with a bare 401: exit 2,
// both sources named, no token.
func TestKeyIDAndKeyFileOfAnotherKeyRefused(t *testing.T) {
	b := newBin(t)
	idA, _, _, _ := keygenInto(t, b, ".")
	idB, _, pathB, keyB := keygenInto(t, b, ".")
	b.env = []string{"ASC_KEY_ID=" + idA}
	r := b.run("token", "--key", filepath.Base(pathB))
	r.expect(t, exitUsage, "key ID "+idA+" from ASC_KEY_ID", "the key file AuthKey_"+idB+".p8 from --key", "name different keys")
	if r.stdout != "" {
		t.Fatalf("stdout: %q; want no token", r.stdout)
	}
	if holdsAny(r.stderr, keyLines(keyB)) {
		t.Fatalf("stderr holds key material:\n%s", r.stderr)
	}

	// The same through api: refused before any request.
	srv, _ := b.plainServer()
	r = b.run("api", "--base-url", srv.URL, "--key", filepath.Base(pathB), "/v1/apps")
	r.expect(t, exitUsage, "name different keys")
	if srv.Stats().Accepted+srv.Stats().Rejected != 0 {
		t.Fatalf("api sent a request: %+v", srv.Stats())
	}
}

// TestKeyPastedAsKeyIDIsDescribed: a key's contents where the key ID goes
// is said to look like a private key; Codemagic's @file: naming the key file
// is said to be a file reference to a file that holds a private key. Not a
// base64 line of the key is printed.
func TestKeyPastedAsKeyIDIsDescribed(t *testing.T) {
	b := newBin(t)
	_, _, path, keyPEM := keygenInto(t, b, ".")
	for _, tc := range []struct{ name, env, want string }{
		{"ASC_KEY_ID holds the key", "ASC_KEY_ID=" + string(keyPEM), "ASC_KEY_ID looks like a private key"},
		{"Codemagic @file: names the key", "APP_STORE_CONNECT_KEY_IDENTIFIER=@file:" + filepath.Base(path), "APP_STORE_CONNECT_KEY_IDENTIFIER is a file reference, @file:" + path + ", and that file holds a private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.env = []string{tc.env}
			r := b.run("token")
			r.expect(t, exitUsage, tc.want, "not a key ID")
			if r.stdout != "" {
				t.Fatalf("stdout: %q; want no token", r.stdout)
			}
			if holdsAny(r.stderr, keyLines(keyPEM)) {
				t.Fatalf("stderr holds a base64 line of the key:\n%s", r.stderr)
			}
		})
	}
}

// TestCredentialMessagesReachTheTerminalEscaped: paths in notices and
// errors may hold C1 controls (U+009B starts a terminal sequence as ESC [
// does) and direction controls (U+202E makes text read backwards); the
// built binary prints them escaped, never raw.
func TestCredentialMessagesReachTheTerminalEscaped(t *testing.T) {
	b := newBin(t)
	hostile := "keys\u009b2J\u202eevil"
	dir := filepath.Join(b.dir, hostile)
	id, _, keyPath, _ := keygenInto(t, b, hostile)
	writeJSON := func(name string) string {
		p := filepath.Join(dir, name)
		data := `{"key_id": "` + id + `", "issuer_id": "57246542-96fe-1a63-e053-0824d011072a", "filepath": "` + filepath.Base(keyPath) + `"}`
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	used, ignored := writeJSON("a.json"), writeJSON("b.json")
	for _, tc := range []struct {
		name string
		env  []string
		code int
		want string // escaped, on stderr
	}{
		{"a notice naming two files", []string{"ASC_API_KEY_JSON=" + used, "APP_STORE_CONNECT_API_KEY_PATH=" + ignored}, exitOK,
			`credentials: API key JSON: using ` + filepath.Join(b.dir, `keys\u009b2J\u202eevil`, "a.json")},
		{"an error naming a missing file", []string{"ASC_KEY_ID=" + id, "ASC_PRIVATE_KEY_PATH=" + filepath.Join(dir, "gone.p8")}, exitUsage,
			`the key file ` + filepath.Join(b.dir, `keys\u009b2J\u202eevil`, "gone.p8") + ` from ASC_PRIVATE_KEY_PATH does not exist`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.env = tc.env
			r := b.run("token")
			r.expect(t, tc.code, tc.want)
			if strings.ContainsAny(r.stderr, "\u009b\u202e") {
				t.Fatalf("stderr holds a raw control character:\n%q", r.stderr)
			}
		})
	}
}

// TestMissingKeyFileSaysSoAndNotToChangeTheKeyID: --key naming a file that
// is not there, under a name for another key ID, is a missing file (exit
// 2), not a key ID to change.
func TestMissingKeyFileSaysSoAndNotToChangeTheKeyID(t *testing.T) {
	b := newBin(t)
	r := b.run("token", "--key-id", "2X9R4HXF34", "--key", "AuthKey_TYPO123456.p8")
	r.expect(t, exitUsage, "ascjwt token: credentials: the key file "+filepath.Join(b.dir, "AuthKey_TYPO123456.p8")+" from --key does not exist (no such file or directory); check the path")
	if strings.Contains(r.stderr, "different keys") || strings.Contains(r.stderr, "pass --key-id") || r.stdout != "" {
		t.Fatalf("a missing file reported as a key ID mismatch:\n%s%s", r.stdout, r.stderr)
	}
}
