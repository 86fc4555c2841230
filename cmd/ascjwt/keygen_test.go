package main

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt"
)

func TestKeygen(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(t.TempDir(), "private_keys") // not there yet: keygen makes it
	r := h.run("keygen", "--dir", dir)
	r.expect(t, exitOK, "wrote")

	id, pubPEM, _ := strings.Cut(r.stdout, "\n")
	if !regexp.MustCompile(`^[A-Z0-9]{10}$`).MatchString(id) {
		t.Fatalf("key ID %q is not 10 of [A-Z0-9]", id)
	}
	path := filepath.Join(dir, "AuthKey_"+id+".p8")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if di, err := os.Stat(dir); err != nil || (runtime.GOOS != "windows" && di.Mode().Perm() != 0o700) {
		t.Errorf("key folder: %v, %v; want one made with mode 0700", di, err)
	}
	key, err := ascjwt.LoadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("not a PKCS#8 PEM like Apple's .p8:\n%s", data)
	}
	if _, err := ascjwt.ParsePrivateKey(data); err != nil {
		t.Fatal(err)
	}
	h.rememberSecret(string(data))

	block, rest := pem.Decode([]byte(pubPEM))
	if block == nil || block.Type != "PUBLIC KEY" || len(strings.TrimSpace(string(rest))) != 0 {
		t.Fatalf("stdout after the ID is not one public key PEM:\n%s", pubPEM)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil || !key.PublicKey.Equal(pub.(*ecdsa.PublicKey)) {
		t.Fatalf("the public key does not match the file's key: %v", err)
	}
	if strings.Contains(r.stdout, "PRIVATE") {
		t.Fatal("the private key reached stdout")
	}

	t.Run("refuses to overwrite", func(t *testing.T) {
		r := h.run("keygen", "--dir", dir, "--key-id", id)
		r.expect(t, exitFail, "exists; refusing to overwrite")
		after, _ := os.ReadFile(path)
		if string(after) != string(data) || r.stdout != "" {
			t.Fatal("the key file changed, or something was printed")
		}
	})

	t.Run("the key signs tokens that decode verifies", func(t *testing.T) {
		tok := h.run("token", "--key", path, "--issuer-id", "57246542-96fe-1a63-e053-0824d011072a")
		tok.expect(t, exitOK)
		h.run("decode", "--key", path, strings.TrimSpace(tok.stdout)).expect(t, exitOK, "verified")
	})

	t.Run("given ID, relative dir", func(t *testing.T) {
		os.Mkdir(filepath.Join(h.sys.workDir, "keys"), 0o700)
		r := h.run("keygen", "--key-id", "TESTKEY123", "--dir", "keys")
		r.expect(t, exitOK)
		if !strings.HasPrefix(r.stdout, "TESTKEY123\n-----BEGIN PUBLIC KEY-----") {
			t.Fatalf("%s", r.stdout)
		}
		if _, err := os.Stat(filepath.Join(h.sys.workDir, "keys", "AuthKey_TESTKEY123.p8")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		h.run("keygen", "--key-id", "../evil").expect(t, exitUsage, "letters and digits")
		file := filepath.Join(t.TempDir(), "a-file")
		os.WriteFile(file, nil, 0o600)
		h.run("keygen", "--dir", file).expect(t, exitFail, "a-file", "not a directory")
		h.run("keygen", "extra").expect(t, exitUsage, `unexpected argument "extra"`)
	})
}

func TestRandomKeyID(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 1000 {
		id := randomKeyID()
		if !regexp.MustCompile(`^[A-Z0-9]{10}$`).MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated ID %q", id)
		}
		seen[id] = true
		for _, r := range id {
			counts[r]++
		}
	}
	if len(counts) != 32 {
		t.Errorf("%d distinct characters in 10,000, want all 32 of base32 (A-Z, 2-7)", len(counts))
	}
}
