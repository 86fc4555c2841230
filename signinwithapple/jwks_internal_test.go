package signinwithapple

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// rsaJWK writes pub as a JWK with the members given before n and e.
func rsaJWK(members string, pub *rsa.PublicKey) string {
	enc := base64.RawURLEncoding
	return fmt.Sprintf(`{%s"n":%q,"e":%q}`, members, enc.EncodeToString(pub.N.Bytes()), enc.EncodeToString(big.NewInt(int64(pub.E)).Bytes()))
}

// TestParseKeySetIsStrict: Apple's set reads; keys for something else are
// skipped; a set that does not read as one thing only, or holds an RSA key
// that is not a sound one, is refused whole, with an error naming why.
func TestParseKeySetIsStrict(t *testing.T) {
	pub := &testKey().PublicKey
	enc := base64.RawURLEncoding
	n, e := enc.EncodeToString(pub.N.Bytes()), enc.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	apple := rsaJWK(`"kty":"RSA","kid":"W6WcOKB","use":"sig","alg":"RS256",`, pub)
	ec := `{"kty":"EC","kid":"ec1","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`
	cases := []struct {
		name, set string
		kids      []string // read, for a set that is not refused
		want      string   // in the error, for one that is
	}{
		{"Apple's", `{"keys":[` + apple + `]}`, []string{"W6WcOKB"}, ""},
		{"an EC key beside", `{"keys":[` + ec + `,` + apple + `]}`, []string{"W6WcOKB"}, ""},
		{"an encryption key beside", `{"keys":[` + rsaJWK(`"kty":"RSA","kid":"enc","use":"enc",`, pub) + `,` + apple + `]}`, []string{"W6WcOKB"}, ""},
		{"an RS512 key beside", `{"keys":[` + rsaJWK(`"kty":"RSA","kid":"k512","alg":"RS512",`, pub) + `,` + apple + `]}`, []string{"W6WcOKB"}, ""},
		{"key_ops without verify beside", `{"keys":[` + rsaJWK(`"kty":"RSA","kid":"ops","key_ops":["encrypt"],`, pub) + `,` + apple + `]}`, []string{"W6WcOKB"}, ""},
		{"no use or alg", `{"keys":[` + rsaJWK(`"kty":"RSA","kid":"k",`, pub) + `]}`, []string{"k"}, ""},
		{"other members", `{"keys":[` + apple + `],"x":1}`, []string{"W6WcOKB"}, ""},
		{"not JSON", `<html>`, nil, "not a JSON object"},
		{"data after", `{"keys":[` + apple + `]} {}`, nil, "data after"},
		{"text after", `{"keys":[` + apple + `]} <html>`, nil, "data after"},
		{"empty body", ``, nil, "not a JSON object"},
		{"keys twice", `{"keys":[],"keys":[` + apple + `]}`, nil, "twice"},
		{"no keys", `{"Keys":[` + apple + `]}`, nil, `no "keys"`},
		{"keys not an array", `{"keys":{}}`, nil, "not an array"},
		{"empty", `{"keys":[]}`, nil, "no RSA key"},
		{"only EC", `{"keys":[` + ec + `]}`, nil, "no RSA key"},
		{"a member twice in a key", `{"keys":[{"kty":"RSA","kid":"a","kid":"b","n":"` + n + `","e":"` + e + `"}]}`, nil, "twice"},
		{"two keys under one kid", `{"keys":[` + apple + `,` + apple + `]}`, nil, "two signing keys"},
		{"n padded", `{"keys":[{"kty":"RSA","kid":"a","n":"` + n + `==","e":"AQAB"}]}`, nil, `"n"`},
		{"n standard base64", `{"keys":[{"kty":"RSA","kid":"a","n":"` + strings.NewReplacer("-", "+", "_", "/").Replace(n) + `","e":"AQAB"}]}`, nil, `"n"`},
		{"n with a leading zero", `{"keys":[{"kty":"RSA","kid":"a","n":"` + enc.EncodeToString(append([]byte{0}, pub.N.Bytes()...)) + `","e":"AQAB"}]}`, nil, "leading zero"},
		{"n of 1024 bits", `{"keys":[{"kty":"RSA","kid":"a","n":"` + enc.EncodeToString(pub.N.Bytes()[:128]) + `","e":"AQAB"}]}`, nil, "1024-bit"},
		{"n even", `{"keys":[{"kty":"RSA","kid":"a","n":"` + enc.EncodeToString(append(pub.N.Bytes()[:255:255], 2)) + `","e":"AQAB"}]}`, nil, "even"},
		{"n missing", `{"keys":[{"kty":"RSA","kid":"a","e":"AQAB"}]}`, nil, `"n" is missing`},
		{"e of 1", `{"keys":[{"kty":"RSA","kid":"a","n":"` + n + `","e":"AQ"}]}`, nil, `"e"`},
		{"e even", `{"keys":[{"kty":"RSA","kid":"a","n":"` + n + `","e":"AQAA"}]}`, nil, `"e"`},
		{"e huge", `{"keys":[{"kty":"RSA","kid":"a","n":"` + n + `","e":"AQAAAAAB"}]}`, nil, `"e"`},
		{"e a number", `{"keys":[{"kty":"RSA","kid":"a","n":"` + n + `","e":65537}]}`, nil, `"e"`},
		{"private key members", `{"keys":[{"kty":"RSA","kid":"a","n":"` + n + `","e":"AQAB","d":"AQAB"}]}`, nil, "private key"},
		{"kty missing", `{"keys":[{"kid":"a","n":"` + n + `","e":"AQAB"}]}`, nil, `"kty"`},
		{"use a number", `{"keys":[` + rsaJWK(`"kty":"RSA","kid":"a","use":1,`, pub) + `]}`, nil, `"use"`},
		{"key_ops a string", `{"keys":[` + rsaJWK(`"kty":"RSA","kid":"a","key_ops":"verify",`, pub) + `]}`, nil, `"key_ops"`},
		{"a key not an object", `{"keys":[1]}`, nil, "key 0 is not a JSON object"},
		{"too many keys", `{"keys":[` + strings.Repeat(ec+",", 64) + ec + `]}`, nil, "65 keys"},
		{"too large", `{"keys":[],"pad":"` + strings.Repeat("a", maxKeySetBytes) + `"}`, nil, "KiB"},
		{"not UTF-8", `{"keys":[` + apple + `],"x":"` + "\xff" + `"}`, nil, "UTF-8"},
		{"deep", `{"keys":[` + apple + `],"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, nil, "deeper"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := parseKeySet([]byte(tc.set))
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != len(tc.kids) {
				t.Fatalf("read %d keys, want %v", len(keys), tc.kids)
			}
			for _, kid := range tc.kids {
				if k := keys[kid]; k == nil || k.N.Cmp(pub.N) != 0 || k.E != pub.E {
					t.Errorf("key %s: %v", kid, k)
				}
			}
		})
	}
}

// FuzzParseKeySet checks that parseKeySet never panics, and that each key
// it reads is the key go-jose reads from the same member, where go-jose
// reads it: an independent decoder of the same bytes.
func FuzzParseKeySet(f *testing.F) {
	pub := &testKey().PublicKey
	apple := []byte(`{"keys":[` + rsaJWK(`"kty":"RSA","kid":"W6WcOKB","use":"sig","alg":"RS256",`, pub) + `]}`)
	if _, err := parseKeySet(apple); err != nil {
		f.Fatalf("the seed of Apple's form is refused: %v", err) // the property below would be vacuous
	}
	f.Add(apple)
	f.Add([]byte(`{"keys":[` + rsaJWK(`"kty":"RSA","kid":"a",`, pub) + `,` + rsaJWK(`"kty":"RSA","kid":"b","use":"enc",`, pub) + `]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","kid":"ec1","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"a","n":"AA","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[],"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"a","kid":"b"}]} x`))
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := parseKeySet(body)
		if err != nil {
			return
		}
		var raw struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(body, &raw) != nil {
			t.Fatalf("accepted a set encoding/json cannot read: %q", body)
		}
		for _, entry := range raw.Keys {
			var k jose.JSONWebKey
			if k.UnmarshalJSON(entry) != nil {
				continue
			}
			ours, ok := keys[k.KeyID]
			theirs, isRSA := k.Key.(*rsa.PublicKey)
			if !ok || !isRSA {
				continue
			}
			if ours.N.Cmp(theirs.N) != 0 || ours.E != theirs.E {
				t.Fatalf("key %q reads differently from go-jose's: %q", k.KeyID, body)
			}
		}
	})
}
