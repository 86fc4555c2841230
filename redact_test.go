package ascjwt_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// secretsOf lists the forms a key or token could leak in.
func secretsOf(t *testing.T, key *ecdsa.PrivateKey, token string) []string {
	t.Helper()
	raw, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	parts := strings.Split(token, ".")
	return []string{
		hex.EncodeToString(raw), new(big.Int).SetBytes(raw).String(), base64.StdEncoding.EncodeToString(der)[40:80],
		token, parts[1], parts[2],
	}
}

// tokenWithSecrets is a server, a Config for it, a token made with it, and
// the forms its secrets could leak in. The server closes with the test.
func tokenWithSecrets(t *testing.T) (*asctest.Server, ascjwt.Config, *ascjwt.Token, []string) {
	t.Helper()
	srv := asctest.NewServer()
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	src := apitest.Must(t, ascjwt.NewTokenSource, cfg)
	tok := apitest.MustToken(t, src.Token)
	return srv, cfg, tok, secretsOf(t, srv.Key().PrivateKey, tok.Value)
}

func assertNoSecrets(t *testing.T, what, s string, secrets []string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("%s shows a secret: %.120s", what, s)
			return
		}
	}
}

func TestTokenAndConfigPrintRedacted(t *testing.T) {
	srv, cfg, tok, secrets := tokenWithSecrets(t)

	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %[1]v"} {
		for name, v := range map[string]any{"Token": *tok, "*Token": tok, "Config": cfg, "*Config": &cfg} {
			out := fmt.Sprintf(verb, v)
			assertNoSecrets(t, name+" with "+verb, out, secrets)
			if strings.HasPrefix(name, "Token") || name == "*Token" {
				if verb != "%x" && verb != "%X" && !strings.Contains(out, srv.Key().ID) {
					t.Errorf("Token with %s = %q; want it to show the key ID", verb, out)
				}
			}
		}
	}
	if s := tok.String(); !strings.Contains(s, tok.Expiry.UTC().Format("2006-01-02T15:04:05Z")) || !strings.Contains(s, "redacted") {
		t.Errorf("Token.String() = %q; want kid, expiry, and the word redacted", s)
	}

	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(h).Info("got", "token", tok, "tokenValue", *tok, "config", cfg)
	}
	assertNoSecrets(t, "slog output", logs.String(), secrets)
	if !strings.Contains(logs.String(), srv.Key().ID) {
		t.Errorf("slog output %q does not show the key ID", logs.String())
	}
}

func TestErrorsCarryNoSecrets(t *testing.T) {
	srv := newFake(t)
	src, _ := ascjwt.NewTokenSource(srv.Config())
	tok, _ := src.Token(context.Background())
	secrets := secretsOf(t, srv.Key().PrivateKey, tok.Value)

	// The server's 401 for a token that breaks a rule names the rule, not the token.
	srv.Revoke(srv.Key().ID)
	client := ascjwt.NewClient(srv.Client(), src)
	resp, err := client.Get(srv.URL + "/v1/apps")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	assertNoSecrets(t, "the server's rejection", srv.Stats().LastRejection, secrets)

	// A failing signer, through the source and the transport.
	cfg := srv.Config()
	cfg.PrivateKey = failingSigner{cfg.PrivateKey}
	bad := apitest.Must(t, ascjwt.NewTokenSource, cfg)
	_, err = ascjwt.NewClient(srv.Client(), bad).Get(srv.URL + "/v1/apps")
	if err == nil || !errors.Is(err, errKMS) {
		t.Fatalf("err = %v, want the signer's error wrapped", err)
	}
	assertNoSecrets(t, "transport error", err.Error(), secrets)

	// Config errors print the config's fields, never its key.
	cfg = srv.Config()
	cfg.Lifetime = -1
	_, err = ascjwt.NewTokenSource(cfg)
	assertNoSecrets(t, "config error", fmt.Sprint(err), secrets)
}

var errKMS = errors.New("kms: access denied")

// failingSigner is a key whose every signature fails.
type failingSigner struct{ crypto.Signer }

func (failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, errKMS }

// TestTokenAndConfigEncodeRedacted: no encoder shows a token's value or the
// key, whether it meets a Token, a *Token or a Config directly or inside a
// value of the user's: encoding/json, slog's JSONHandler, encoding/xml,
// encoding/gob.
func TestTokenAndConfigEncodeRedacted(t *testing.T) {
	srv, cfg, tok, secrets := tokenWithSecrets(t)
	type session struct {
		Token  ascjwt.Token
		Ptr    *ascjwt.Token
		Config ascjwt.Config
		ByKey  map[ascjwt.Token]int
	}
	held := session{Token: *tok, Ptr: tok, Config: cfg, ByKey: map[ascjwt.Token]int{*tok: 1}}

	for name, v := range map[string]any{"Token": *tok, "*Token": tok, "Config": cfg, "a struct holding them": held} {
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%s): %v", name, err)
		}
		assertNoSecrets(t, "json.Marshal of "+name, string(out), secrets)
		if !strings.Contains(string(out), srv.Key().ID) {
			t.Errorf("json.Marshal of %s = %s; want it to show the key ID", name, out)
		}
	}
	var tj struct {
		Kid, Value string
		Expires    time.Time
	}
	if out, _ := json.Marshal(tok); json.Unmarshal(out, &tj) != nil || tj.Kid != srv.Key().ID || tj.Value != "redacted" || !tj.Expires.Equal(tok.Expiry) {
		t.Errorf("json.Marshal(token) = %s; want kid, expires and value redacted", out)
	}

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("session", "held", held, "any", any(held))
	assertNoSecrets(t, "slog JSONHandler", logs.String(), secrets)

	type xmlSession struct {
		Token  ascjwt.Token
		Ptr    *ascjwt.Token
		Config ascjwt.Config
	}
	if out, err := xml.Marshal(xmlSession{*tok, tok, cfg}); err != nil {
		t.Errorf("xml.Marshal: %v", err)
	} else {
		assertNoSecrets(t, "xml.Marshal", string(out), secrets)
	}
	var gobbed bytes.Buffer
	if err := gob.NewEncoder(&gobbed).Encode(struct {
		T ascjwt.Token
		C ascjwt.Config
	}{*tok, cfg}); err != nil {
		t.Errorf("gob: %v", err)
	}
	assertNoSecrets(t, "gob", gobbed.String(), secrets)
}

// TestRefusedIDsAreDescribedNotQuoted: a private key in the KeyID (swapped
// CI secrets) or an ID far too long is refused with an error that says what
// it looks like, and neither the error nor Config's String shows it.
func TestRefusedIDsAreDescribedNotQuoted(t *testing.T) {
	key := apitest.NewKey(t)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	secrets := []string{base64.StdEncoding.EncodeToString(der)[40:80], "PRIVATE KEY-----\n"}
	long := strings.Repeat("Z", 4096)
	good := ascjwt.Config{KeyID: "2X9R4HXF34", IssuerID: "57246542-96fe-1a63-e053-0824d011072a", PrivateKey: key}
	for _, tc := range []struct {
		name   string
		mutate func(*ascjwt.Config)
		want   []string
		hidden string
	}{
		{"PEM in KeyID", func(c *ascjwt.Config) { c.KeyID = pemKey }, []string{"Config.KeyID holds what looks like a private key", "Config.PrivateKey"}, pemKey},
		{"PEM body in IssuerID", func(c *ascjwt.Config) { c.IssuerID = base64.StdEncoding.EncodeToString(der) }, []string{"Config.IssuerID holds what looks like a private key"}, base64.StdEncoding.EncodeToString(der)},
		{"4 KiB KeyID", func(c *ascjwt.Config) { c.KeyID = long }, []string{"Config.KeyID is 4,096 bytes", "more than the 64"}, long},
		{"65-byte IssuerID", func(c *ascjwt.Config) { c.IssuerID = strings.Repeat("9", 65) }, []string{"Config.IssuerID is 65 bytes"}, strings.Repeat("9", 65)},
		{"256-byte BundleID", func(c *ascjwt.Config) { c.BundleID = strings.Repeat("b", 256) }, []string{"Config.BundleID is 256 bytes", "more than the 255"}, strings.Repeat("b", 256)},
		{"control character", func(c *ascjwt.Config) { c.KeyID = "SECRETVAL\x1b" }, []string{"Config.KeyID holds a control character"}, "SECRETVAL"},
		{"white space", func(c *ascjwt.Config) { c.IssuerID = " SECRETVAL" }, []string{"Config.IssuerID has white space around it"}, "SECRETVAL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.mutate(&cfg)
			_, err := ascjwt.NewTokenSource(cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			for _, out := range []string{err.Error(), cfg.String(), fmt.Sprintf("%+v", cfg)} {
				if strings.Contains(out, tc.hidden) {
					t.Errorf("the refused value is shown: %.200q", out)
				}
				assertNoSecrets(t, tc.name, out, secrets)
			}
		})
	}
	cfg := good
	cfg.BundleID = strings.Repeat("b", 255)
	if _, err := ascjwt.NewTokenSource(cfg); err != nil {
		t.Errorf("a 255-byte bundle ID is refused: %v", err)
	}
}
