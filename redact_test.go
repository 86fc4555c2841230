package ascjwt_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
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
	srv := asctest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	secrets := secretsOf(t, srv.Key().PrivateKey, tok.Value)

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
	srv := asctest.NewServer()
	defer srv.Close()
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
	bad, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
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
