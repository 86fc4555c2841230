package ascjwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs8(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParsePrivateKeyAcceptsWhatUsersHave(t *testing.T) {
	key := apitest.NewKey(t)
	der := pkcs8(t, key)
	p8 := pemOf("PRIVATE KEY", der)
	sec1, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ecParams := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
	body := base64.StdEncoding.EncodeToString(der)
	for name, input := range map[string]string{
		"Apple .p8 (PKCS#8 PEM)":          p8,
		"SEC1 EC PRIVATE KEY":             pemOf("EC PRIVATE KEY", sec1),
		"openssl ecparam -genkey output":  ecParams + pemOf("EC PRIVATE KEY", sec1),
		"bare base64 body":                body,
		"bare base64 with line breaks":    body[:64] + "\n" + body[64:] + "\n",
		"base64 of the whole .p8":         base64.StdEncoding.EncodeToString([]byte(p8)),
		"CRLF line ends":                  strings.ReplaceAll(p8, "\n", "\r\n"),
		"surrounding white space":         "\n\t  " + p8 + "  \n\n",
		"literal \\n sequences":           strings.ReplaceAll(strings.TrimSpace(p8), "\n", `\n`),
		"literal \\r\\n sequences":        strings.ReplaceAll(strings.TrimSpace(p8), "\n", `\r\n`),
		"quoted, as copied from a .env":   `"` + strings.ReplaceAll(strings.TrimSpace(p8), "\n", `\n`) + `"`,
		"flattened to one line":           strings.ReplaceAll(strings.TrimSpace(p8), "\n", " "),
		"byte order mark":                 "\xef\xbb\xbf" + p8,
		"binary DER":                      string(der),
		"URL-safe base64 without padding": base64.RawURLEncoding.EncodeToString(der),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParsePrivateKey([]byte(input))
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(key) {
				t.Fatal("parsed a different key")
			}
		})
	}
}

func TestParsePrivateKeyRefusals(t *testing.T) {
	key := apitest.NewKey(t)
	p256 := pkcs8(t, key)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	legacyEncrypted := "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n" +
		base64.StdEncoding.EncodeToString(p256) + "\n-----END EC PRIVATE KEY-----\n"

	for _, tc := range []struct {
		name, input, want string
	}{
		{"empty", "", "empty"},
		{"only white space", " \n\t\r\n", "empty"},
		{"not a key", "hello, world: this is not a key", "neither PEM nor base64"},
		{"base64 of junk", base64.StdEncoding.EncodeToString([]byte("definitely not DER")), "not a PKCS#8 or SEC1 private key"},
		{"PKCS#8 encrypted", pemOf("ENCRYPTED PRIVATE KEY", p256), "encrypted"},
		{"legacy encrypted PEM", legacyEncrypted, "encrypted"},
		{"public key PEM", pemOf("PUBLIC KEY", pub), "public key"},
		{"public key base64", base64.StdEncoding.EncodeToString(pub), "public key"},
		{"certificate", pemOf("CERTIFICATE", cert), "certificate"},
		{"RSA PKCS#8", pemOf("PRIVATE KEY", pkcs8(t, rsaKey)), "RSA"},
		{"RSA PKCS#1", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), "RSA"},
		{"Ed25519", pemOf("PRIVATE KEY", pkcs8(t, edKey)), "Ed25519"},
		{"P-384", pemOf("PRIVATE KEY", pkcs8(t, p384)), "P-384"},
		{"P-521", pemOf("PRIVATE KEY", pkcs8(t, p521)), "P-521"},
		{"truncated PEM", pemOf("PRIVATE KEY", p256)[:100], "no END line"},
		{"unknown PEM type", pemOf("X25519 SECRET", p256), "type is not one that holds a private key"},
		{"OpenSSH", pemOf("OPENSSH PRIVATE KEY", p256), "OpenSSH"},
		{"too large", strings.Repeat("A", 1<<20), "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePrivateKey([]byte(tc.input))
			if err == nil {
				t.Fatalf("accepted: %T", got)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, "ascjwt: ") {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
			assertNoKeyMaterial(t, msg, tc.input)
		})
	}
}

// assertNoKeyMaterial fails if msg holds any 12-character run of the input's
// non-space text: enough to catch an echoed key or base64 body, short enough
// that no English error wording matches by chance.
func assertNoKeyMaterial(t testing.TB, msg, input string) {
	t.Helper()
	for _, field := range strings.Fields(input) {
		if strings.HasPrefix(field, "-----") || len(field) < 12 {
			continue
		}
		for i := 0; i+12 <= len(field); i += 6 {
			if strings.Contains(msg, field[i:i+12]) {
				t.Fatalf("error %q contains input text %q", msg, field[i:i+12])
			}
		}
	}
}

func TestLoadPrivateKey(t *testing.T) {
	dir := t.TempDir()
	key := apitest.NewKey(t)
	path := filepath.Join(dir, "AuthKey_TESTKEY123.p8")
	if err := os.WriteFile(path, []byte(pemOf("PRIVATE KEY", pkcs8(t, key))), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPrivateKey(path)
	if err != nil || !got.Equal(key) {
		t.Fatalf("LoadPrivateKey = %v, %v", got, err)
	}

	missing := filepath.Join(dir, "AuthKey_MISSING.p8")
	if _, err := LoadPrivateKey(missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: err = %v, want it to name the file and say it does not exist", err)
	} else if strings.Count(err.Error(), missing) != 1 {
		t.Errorf("missing file: err = %v names the file more than once", err)
	}

	bad := filepath.Join(dir, "AuthKey_BAD.p8")
	os.WriteFile(bad, []byte(pemOf("PUBLIC KEY", []byte("x"))), 0o600)
	if _, err := LoadPrivateKey(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "public key") {
		t.Errorf("public key file: err = %v, want it to name the file and say what is wrong", err)
	}
}

func FuzzParsePrivateKey(f *testing.F) {
	key := apitest.NewKey(f)
	der := pkcs8(f, key)
	p8 := pemOf("PRIVATE KEY", der)
	for _, seed := range []string{
		p8, base64.StdEncoding.EncodeToString(der), strings.ReplaceAll(p8, "\n", `\n`),
		"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n",
		"-----BEGIN PRIVATE KEY-----", "-----BEGIN -----", "\"\"", "MA==", string(der[:20]), "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePrivateKey(data)
		if err != nil {
			if k != nil {
				t.Fatal("key and error both returned")
			}
			assertNoKeyMaterial(t, err.Error(), string(data))
			return
		}
		if k.Curve != elliptic.P256() {
			t.Fatalf("accepted a key on %s", k.Curve.Params().Name)
		}
	})
}
