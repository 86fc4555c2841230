package apitest

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"
)

// verbs are the fmt verbs a Config may be printed with; %d and %x on a
// struct without a Format method print its fields, the key's among them.
var verbs = []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"}

// CheckPrintsNoKey prints each of values (a Config and a pointer to it)
// with every fmt verb, log/slog's JSON handler, encoding/json, encoding/xml
// and encoding/gob, and fails t if any output holds key's private scalar
// (in decimal or hex, as %v and %x print a big.Int), a PEM marker, or a
// piece of keyPEM's body.
func CheckPrintsNoKey(t *testing.T, key *ecdsa.PrivateKey, keyPEM string, values ...any) {
	t.Helper()
	scalar, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d := new(big.Int).SetBytes(scalar)
	secrets := []string{d.String(), d.Text(16), hex.EncodeToString(scalar), "PRIVATE KEY", keyPEM[40:60]}
	for _, v := range values {
		for _, out := range printings(t, v) {
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Fatalf("printed %T holds key material: %s", v, out)
				}
			}
		}
	}
}

// printings returns v as every printer and encoder shows it.
func printings(t *testing.T, v any) []string {
	t.Helper()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", v)
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	xmlOut, err := xml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var gobOut bytes.Buffer
	if err := gob.NewEncoder(&gobOut).Encode(v); err != nil {
		t.Fatal(err)
	}
	out := []string{logged.String(), string(js), string(xmlOut), gobOut.String()}
	for _, verb := range verbs {
		out = append(out, fmt.Sprintf(verb, v))
	}
	return out
}
