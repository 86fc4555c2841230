package appstore_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/gob"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// The IDs of the test's key, in the shapes App Store Connect gives them.
const (
	signerKeyID    = "2X9R4HXF34"
	signerIssuerID = "57246542-96fe-1a63-e053-0824d011072a"
	signerBundleID = "com.example.app"
)

// signerClock is the signers' Now in these tests: iat must be its second.
var signerClock = time.Date(2026, 3, 1, 12, 30, 45, 0, time.UTC)

func newTestSigner(t testing.TB, key crypto.Signer) *appstore.Signer {
	t.Helper()
	s, err := appstore.NewSigner(appstore.SignerConfig{
		KeyID: signerKeyID, IssuerID: signerIssuerID, BundleID: signerBundleID,
		PrivateKey: key, Now: func() time.Time { return signerClock },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// documentedV1String is the string "Generating a signature for promotional
// offers" says to sign, built here from the rule rather than by the code
// under test: the fields joined with U+2063, appAccountToken and nonce in
// lower case, the timestamp in milliseconds.
func documentedV1String(bundleID, keyID, productID, offerID, appAccountToken, nonce string, ts time.Time) string {
	return bundleID + "\u2063" + keyID + "\u2063" + productID + "\u2063" + offerID + "\u2063" +
		strings.ToLower(appAccountToken) + "\u2063" + strings.ToLower(nonce) + "\u2063" + strconv.FormatInt(ts.UnixMilli(), 10)
}

// verifyV1 reports whether sig, standard padded base64 of a DER signature,
// verifies over text with pub.
func verifyV1(t *testing.T, pub *ecdsa.PublicKey, sig, text string) bool {
	t.Helper()
	der, err := base64.StdEncoding.Strict().DecodeString(sig)
	if err != nil {
		t.Fatalf("the signature is not standard padded base64: %v", err)
	}
	if base64.StdEncoding.EncodeToString(der) != sig {
		t.Fatalf("the signature is not in the canonical standard base64 form")
	}
	digest := sha256.Sum256([]byte(text))
	return ecdsa.VerifyASN1(pub, digest[:], der)
}

func TestPromotionalOfferV1VerifiesOverTheDocumentedString(t *testing.T) {
	key := apitest.NewKey(t)
	s := newTestSigner(t, key)
	ts := time.UnixMilli(1698148900123)
	for _, tc := range []struct{ name, token, nonce string }{
		{"lower case", "6b6ad2d2-0f6e-4a52-9d1b-7a1f1b5a3c2e", "20fba8a0-2b80-4a7d-a17f-85c1854727f8"},
		{"upper case is lowered", "6B6AD2D2-0F6E-4A52-9D1B-7A1F1B5A3C2E", "20FBA8A0-2B80-4A7D-A17F-85C1854727F8"},
		{"no appAccountToken", "", "20fba8a0-2b80-4a7d-a17f-85c1854727f8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := s.PromotionalOfferV1("com.example.monthly", "SPRING_50", tc.token, tc.nonce, ts)
			if err != nil {
				t.Fatal(err)
			}
			want := documentedV1String(signerBundleID, signerKeyID, "com.example.monthly", "SPRING_50", tc.token, tc.nonce, ts)
			if !verifyV1(t, &key.PublicKey, sig, want) {
				t.Fatalf("the signature does not verify over the documented string %q", want)
			}
			if tc.token == "" && !strings.Contains(want, "SPRING_50\u2063\u2063") {
				t.Fatalf("the test's string has no empty field for the token: %q", want)
			}
			// Not over the same fields as given, when they were upper case,
			// nor with the timestamp in seconds.
			asGiven := signerBundleID + "\u2063" + signerKeyID + "\u2063com.example.monthly\u2063SPRING_50\u2063" + tc.token + "\u2063" + tc.nonce + "\u2063" + strconv.FormatInt(ts.UnixMilli(), 10)
			if asGiven != want && verifyV1(t, &key.PublicKey, sig, asGiven) {
				t.Fatal("the signature verifies over the upper-case fields")
			}
			if verifyV1(t, &key.PublicKey, sig, strings.TrimSuffix(want, "123")) {
				t.Fatal("the signature verifies with the timestamp in seconds")
			}
		})
	}
	if s.KeyID() != signerKeyID {
		t.Errorf("KeyID() = %q", s.KeyID())
	}
}

func TestPromotionalOfferV1RefusesWhatWouldNotMatch(t *testing.T) {
	s := newTestSigner(t, apitest.NewKey(t))
	const (
		product = "com.example.monthly"
		offer   = "SPRING_50"
		nonce   = "20fba8a0-2b80-4a7d-a17f-85c1854727f8"
		secret  = "c0ffee00-dead-beef-cafe-0123456789ab" // a UUID-shaped value that must never be echoed
	)
	ts := time.UnixMilli(1698148900000)
	for _, tc := range []struct {
		name                         string
		product, offer, token, nonce string
		ts                           time.Time
		says                         string
	}{
		{"separator in productID", product + "\u2063x", offer, "", nonce, ts, "productID holds U+2063"},
		{"separator in offerID", product, "x\u2063" + offer, "", nonce, ts, "offerID holds U+2063"},
		{"empty productID", "", offer, "", nonce, ts, "productID is empty"},
		{"empty offerID", product, "", "", nonce, ts, "offerID is empty"},
		{"white space", product + "\n", offer, "", nonce, ts, "productID has white space around it"},
		{"not UTF-8", product + "\xff", offer, "", nonce, ts, "productID is not valid UTF-8"},
		{"empty nonce", product, offer, "", "", ts, "nonce is 0 bytes long, not the 36 characters of a UUID"},
		{"short nonce", product, offer, "", secret[:35], ts, "nonce is 35 bytes long"},
		{"nonce with braces", product, offer, "", "{" + secret[1:35] + "}", ts, "nonce is not a UUID: it holds a character other than hex digits"},
		{"nonce without hyphens", product, offer, "", strings.ReplaceAll(secret, "-", "0")[:36], ts, "nonce is not a UUID: want hyphens"},
		{"token not a UUID", product, offer, "alice@example.com", nonce, ts, "appAccountToken is 17 bytes long"},
		{"token not hex", product, offer, strings.Replace(secret, "c", "g", 1), nonce, ts, "appAccountToken is not a UUID"},
		{"zero timestamp", product, offer, "", nonce, time.Time{}, "timestamp is before 1970"},
		{"before 1970", product, offer, "", nonce, time.UnixMilli(-1), "timestamp is before 1970"},
	} {
		sig, err := s.PromotionalOfferV1(tc.product, tc.offer, tc.token, tc.nonce, tc.ts)
		if err == nil {
			t.Errorf("%s: signed (%d bytes)", tc.name, len(sig))
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "appstore: PromotionalOfferV1: ") || !strings.Contains(msg, tc.says) {
			t.Errorf("%s: %q, want it to say %q", tc.name, msg, tc.says)
		}
		for _, v := range []string{tc.nonce, tc.token, secret[1:9], "alice"} {
			if len(v) > 4 && strings.Contains(msg, v) {
				t.Errorf("%s: %q quotes a value", tc.name, msg)
			}
		}
	}
}

// decodeSegment decodes one part of a compact JWS into a map, with numbers
// as json.Number so that an integer iat stays one.
func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		t.Fatalf("segment is not unpadded base64url: %v", err)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

var lowerUUIDv4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// verifyJWS checks tok with golang-jwt (ES256 only, the test's key) and
// compares its whole header and claim set with want: a claim missing or
// extra fails. The nonce is checked for its form and then taken as given.
func verifyJWS(t *testing.T, pub *ecdsa.PublicKey, tok string, wantClaims map[string]any) {
	t.Helper()
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithJSONNumber(), jwt.WithTimeFunc(func() time.Time { return signerClock }), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("golang-jwt does not verify the JWS: %v", err)
	}
	wantHeader := map[string]any{"alg": "ES256", "kid": signerKeyID, "typ": "JWT"}
	if !reflect.DeepEqual(parsed.Header, wantHeader) {
		t.Errorf("header = %v, want %v", parsed.Header, wantHeader)
	}
	claims := map[string]any(parsed.Claims.(jwt.MapClaims))
	nonce, _ := claims["nonce"].(string)
	if !lowerUUIDv4.MatchString(nonce) {
		t.Errorf("nonce is not a lower-case random UUID: %q", nonce)
	}
	want := map[string]any{
		"iss":   signerIssuerID,
		"iat":   json.Number(strconv.FormatInt(signerClock.Unix(), 10)),
		"bid":   signerBundleID,
		"nonce": nonce,
	}
	for k, v := range wantClaims {
		want[k] = v
	}
	if !reflect.DeepEqual(claims, want) {
		t.Errorf("claims = %v\nwant     %v", claims, want)
	}
	// The claims golang-jwt saw are the payload's, decoded by hand.
	if got := decodeSegment(t, strings.Split(tok, ".")[1]); !reflect.DeepEqual(got, want) {
		t.Errorf("payload = %v, want %v", got, want)
	}
}

func TestJWSFormsCarryExactlyApplesHeaderAndClaims(t *testing.T) {
	key := apitest.NewKey(t)
	s := newTestSigner(t, key)
	type request struct {
		Operation string `json:"operation"`
		Version   string `json:"version"`
		Currency  string `json:"currency"`
		Item      struct {
			SKU   string `json:"SKU"`
			Name  string `json:"displayName"`
			Price int64  `json:"price"`
		} `json:"item"`
	}
	var req request
	req.Operation, req.Version, req.Currency = "CREATE_ONE_TIME_CHARGE", "1", "USD"
	req.Item.SKU, req.Item.Name, req.Item.Price = "BOOK_1", "Tom & Jerry <1>", 4990
	reqJSON := `{"operation":"CREATE_ONE_TIME_CHARGE","version":"1","currency":"USD","item":{"SKU":"BOOK_1","displayName":"Tom & Jerry <1>","price":4990}}`

	for _, tc := range []struct {
		name  string
		sign  func() (string, error)
		wants map[string]any
	}{
		{"promotional offer", func() (string, error) {
			return s.PromotionalOffer("com.example.monthly", "SPRING_50", "2000000123456789")
		},
			map[string]any{"aud": "promotional-offer", "productId": "com.example.monthly", "offerIdentifier": "SPRING_50", "transactionId": "2000000123456789"}},
		{"promotional offer without a transaction", func() (string, error) { return s.PromotionalOffer("com.example.monthly", "SPRING_50", "") },
			map[string]any{"aud": "promotional-offer", "productId": "com.example.monthly", "offerIdentifier": "SPRING_50"}},
		{"introductory offer allowed", func() (string, error) {
			return s.IntroductoryOfferEligibility("com.example.monthly", true, "2000000123456789")
		},
			map[string]any{"aud": "introductory-offer-eligibility", "productId": "com.example.monthly", "allowIntroductoryOffer": true, "transactionId": "2000000123456789"}},
		{"introductory offer withheld", func() (string, error) {
			return s.IntroductoryOfferEligibility("com.example.monthly", false, "2000000123456789")
		},
			map[string]any{"aud": "introductory-offer-eligibility", "productId": "com.example.monthly", "allowIntroductoryOffer": false, "transactionId": "2000000123456789"}},
		{"advanced commerce, a struct", func() (string, error) { return s.AdvancedCommerceInApp(req) },
			map[string]any{"aud": "advanced-commerce-api", "request": base64.StdEncoding.EncodeToString([]byte(reqJSON))}},
		{"advanced commerce, raw JSON", func() (string, error) { return s.AdvancedCommerceInApp(json.RawMessage(" " + reqJSON + "\n")) },
			map[string]any{"aud": "advanced-commerce-api", "request": base64.StdEncoding.EncodeToString([]byte(reqJSON))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := tc.sign()
			if err != nil {
				t.Fatal(err)
			}
			verifyJWS(t, &key.PublicKey, tok, tc.wants)
			again, err := tc.sign()
			if err != nil {
				t.Fatal(err)
			}
			if decodeSegment(t, strings.Split(tok, ".")[1])["nonce"] == decodeSegment(t, strings.Split(again, ".")[1])["nonce"] {
				t.Error("two signatures carry the same nonce")
			}
		})
	}
}

func TestJWSFormsRefuseWhatWouldNotMatch(t *testing.T) {
	s := newTestSigner(t, apitest.NewKey(t))
	var nilReq *struct{ A int }
	for _, tc := range []struct {
		name string
		sign func() (string, error)
		says string
	}{
		{"no product", func() (string, error) { return s.PromotionalOffer("", "SPRING_50", "") }, "appstore: PromotionalOffer: productID is empty"},
		{"no offer", func() (string, error) { return s.PromotionalOffer("p", "", "") }, "appstore: PromotionalOffer: offerID is empty"},
		{"transaction with a newline", func() (string, error) { return s.PromotionalOffer("p", "o", "2000000123456789\n") }, "transactionID has white space around it"},
		{"eligibility without a transaction", func() (string, error) { return s.IntroductoryOfferEligibility("p", true, "") }, "appstore: IntroductoryOfferEligibility: transactionID is empty; pass the ID of any transaction"},
		{"eligibility without a product", func() (string, error) { return s.IntroductoryOfferEligibility("", true, "1") }, "productID is empty"},
		{"nil request", func() (string, error) { return s.AdvancedCommerceInApp(nil) }, "appstore: AdvancedCommerceInApp: request is nil"},
		{"nil pointer request", func() (string, error) { return s.AdvancedCommerceInApp(nilReq) }, "request encodes to JSON null, not an object"},
		{"JSON in a string", func() (string, error) { return s.AdvancedCommerceInApp(`{"operation":"X"}`) }, "request encodes to JSON a string, not an object"},
		{"JSON in bytes", func() (string, error) { return s.AdvancedCommerceInApp([]byte(`{"operation":"X"}`)) }, "a string, not an object"},
		{"an array", func() (string, error) { return s.AdvancedCommerceInApp([]int{1}) }, "an array, not an object"},
		{"bad raw JSON", func() (string, error) { return s.AdvancedCommerceInApp(json.RawMessage(`{"a":`)) }, "encode request as JSON"},
		{"a channel", func() (string, error) { return s.AdvancedCommerceInApp(map[string]any{"c": make(chan int)}) }, "encode request as JSON"},
	} {
		if tok, err := tc.sign(); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %.20q, %v; want an error saying %q", tc.name, tok, err, tc.says)
		}
	}
}

// rootError is what the root package's Config says of the same mistake,
// in this package's words: NewSigner must refuse what it refuses, the
// same way.
func rootError(t *testing.T, cfg ascjwt.Config) string {
	t.Helper()
	_, err := ascjwt.NewTokenSource(cfg)
	if err == nil {
		t.Fatalf("the root package accepts %v", cfg)
	}
	return strings.NewReplacer("ascjwt: Config.", "appstore: SignerConfig.").Replace(err.Error())
}

func TestNewSignerRefusesWhatConfigRefusesInTheSameWords(t *testing.T) {
	key := apitest.NewKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := apitest.PEM(t, key)
	long := strings.Repeat("A", 300)
	good := appstore.SignerConfig{KeyID: signerKeyID, IssuerID: signerIssuerID, BundleID: signerBundleID, PrivateKey: key}
	root := ascjwt.Config{KeyID: signerKeyID, IssuerID: signerIssuerID, BundleID: signerBundleID, PrivateKey: key}

	for _, field := range []string{"KeyID", "IssuerID", "BundleID"} {
		for _, bad := range []string{"", " " + signerKeyID, signerKeyID + "\n", pemKey, long, "2X9R4\tHXF34", "2X9R4\x00HXF34"} {
			cfg, rcfg := good, root
			reflect.ValueOf(&cfg).Elem().FieldByName(field).SetString(bad)
			reflect.ValueOf(&rcfg).Elem().FieldByName(field).SetString(bad)
			_, err := appstore.NewSigner(cfg)
			if err == nil {
				t.Errorf("%s %.10q: accepted", field, bad)
				continue
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "appstore: SignerConfig."+field+" ") {
				t.Errorf("%s %.10q: %q does not name the field", field, bad, msg)
			}
			if bad != "" || field == "KeyID" { // the root takes an empty IssuerID or BundleID; we need both
				// The same words up to what to set the field to, which
				// differs by key kind.
				want, _, _ := strings.Cut(rootError(t, rcfg), "; set it to")
				if got, _, _ := strings.Cut(msg, "; set it to"); got != want {
					t.Errorf("%s %.10q:\n got %q\nwant %q (the root's)", field, bad, got, want)
				}
			}
			if bad != "" && strings.Contains(msg, strings.TrimSpace(bad)[:6]) || strings.Contains(msg, "MIG") {
				t.Errorf("%s %.10q: %q quotes the value", field, bad, msg)
			}
		}
	}
	for _, field := range []string{"KeyID", "BundleID"} {
		cfg := good
		reflect.ValueOf(&cfg).Elem().FieldByName(field).SetString("com.example\u2063app")
		if _, err := appstore.NewSigner(cfg); err == nil || !strings.Contains(err.Error(), "SignerConfig."+field+" holds U+2063") {
			t.Errorf("%s with the separator: %v", field, err)
		}
	}

	var typedNil *ecdsa.PrivateKey
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name string
		key  crypto.Signer
		says string
	}{
		{"nil", nil, "appstore: SignerConfig.PrivateKey: no private key: set it to the In-App Purchase key"},
		{"nil *ecdsa.PrivateKey", typedNil, "appstore: SignerConfig.PrivateKey: no private key: set it to the In-App Purchase key"},
		{"P-384", p384, rootError(t, ascjwt.Config{KeyID: signerKeyID, PrivateKey: p384})},
		{"Ed25519", edKey, rootError(t, ascjwt.Config{KeyID: signerKeyID, PrivateKey: edKey})},
	} {
		cfg := good
		cfg.PrivateKey = tc.key
		if _, err := appstore.NewSigner(cfg); err == nil || err.Error() != tc.says && !strings.HasPrefix(err.Error(), tc.says) {
			t.Errorf("%s key: %v, want %q", tc.name, err, tc.says)
		}
	}
	if _, err := appstore.NewSigner(good); err != nil {
		t.Fatalf("a good config: %v", err)
	}
}

func TestSignerAndConfigPrintNoKeyMaterial(t *testing.T) {
	key := apitest.NewKey(t)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	cfg := appstore.SignerConfig{KeyID: signerKeyID, IssuerID: signerIssuerID, BundleID: signerBundleID, PrivateKey: key}
	s := newTestSigner(t, key)
	raw, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{new(big.Int).SetBytes(raw).String(), fmt.Sprintf("%x", raw), fmt.Sprintf("%X", raw), base64.StdEncoding.EncodeToString(der)[:40], "MIG"}

	var outputs []string
	for _, v := range []any{cfg, &cfg, s, appstore.SignerConfig{KeyID: pemKey, PrivateKey: key}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
			outputs = append(outputs, fmt.Sprintf(verb, v))
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("signer", "v", v)
		outputs = append(outputs, string(j), logged.String())
	}
	var g bytes.Buffer
	if err := gob.NewEncoder(&g).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, g.String())
	for _, out := range outputs {
		for _, secret := range secrets {
			if strings.Contains(out, secret) {
				t.Fatalf("output holds key material: %s", out)
			}
		}
	}
	want := `appstore.Signer{KeyID:"2X9R4HXF34" IssuerID:"57246542-96fe-1a63-e053-0824d011072a" BundleID:"com.example.app" PrivateKey:*ecdsa.PrivateKey(redacted)}`
	if got := fmt.Sprint(s); got != want {
		t.Errorf("Signer prints as %s, want %s", got, want)
	}
	if got := fmt.Sprint(appstore.SignerConfig{KeyID: pemKey}); !strings.Contains(got, "KeyID:<what looks like a private key") || !strings.Contains(got, "PrivateKey:<nil>") {
		t.Errorf("a key in KeyID prints as %s", got)
	}
}

// remoteKey stands for a key in a KMS: a crypto.Signer that is not an
// *ecdsa.PrivateKey, answering as answer says.
type remoteKey struct {
	key    *ecdsa.PrivateKey
	answer func(k *ecdsa.PrivateKey, digest []byte) ([]byte, error)
}

func (r remoteKey) Public() crypto.PublicKey { return &r.key.PublicKey }
func (r remoteKey) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	return r.answer(r.key, digest)
}

// contextKey is a remote key that takes a context and records it.
type contextKey struct {
	remoteKey
	got *context.Context
}

func (c contextKey) SignContext(ctx context.Context, _ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	*c.got = ctx
	return c.answer(c.key, digest)
}

func derAnswer(k *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	return ecdsa.SignASN1(rand.Reader, k, digest)
}

func rawAnswer(k *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, k, digest)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

func TestRemoteKeysSignEveryForm(t *testing.T) {
	key := apitest.NewKey(t)
	var got context.Context
	ts := time.UnixMilli(1698148900000)
	const nonce = "20fba8a0-2b80-4a7d-a17f-85c1854727f8"
	text := documentedV1String(signerBundleID, signerKeyID, "p", "o", "", nonce, ts)
	for name, k := range map[string]crypto.Signer{
		"DER":         remoteKey{key, derAnswer},
		"R||S":        remoteKey{key, rawAnswer},
		"SignContext": contextKey{remoteKey{key, derAnswer}, &got},
	} {
		s := newTestSigner(t, k)
		sig, err := s.PromotionalOfferV1("p", "o", "", nonce, ts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !verifyV1(t, &key.PublicKey, sig, text) {
			t.Errorf("%s: the v1 signature does not verify", name)
		}
		tok, err := s.PromotionalOffer("p", "o", "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		verifyJWS(t, &key.PublicKey, tok, map[string]any{"aud": "promotional-offer", "productId": "p", "offerIdentifier": "o"})
	}
	if got == nil {
		t.Fatal("SignContext was not used")
	}
	if _, ok := got.Deadline(); !ok {
		t.Error("a remote key's context has no deadline")
	}
}

func TestRemoteKeyThatMisbehavesIsAnError(t *testing.T) {
	key, other := apitest.NewKey(t), apitest.NewKey(t)
	for _, tc := range []struct {
		name   string
		answer func(*ecdsa.PrivateKey, []byte) ([]byte, error)
		says   string
	}{
		{"another key's signature", func(_ *ecdsa.PrivateKey, d []byte) ([]byte, error) { return derAnswer(other, d) }, "does not verify with its own Public() key"},
		{"garbage", func(*ecdsa.PrivateKey, []byte) ([]byte, error) { return []byte("not a signature"), nil }, "neither ASN.1 DER"},
		{"failure", func(*ecdsa.PrivateKey, []byte) ([]byte, error) { return nil, errors.New("kms: access denied") }, "kms: access denied"},
		{"panic", func(*ecdsa.PrivateKey, []byte) ([]byte, error) { panic("kms client bug") }, "the signer for key 2X9R4HXF34 panicked"},
	} {
		s := newTestSigner(t, remoteKey{key, tc.answer})
		if _, err := s.PromotionalOfferV1("p", "o", "", appstore.NewNonce(), signerClock); err == nil || !strings.Contains(err.Error(), tc.says) || !strings.HasPrefix(err.Error(), "appstore: PromotionalOfferV1: ") {
			t.Errorf("%s, v1: %v, want %q", tc.name, err, tc.says)
		}
		if _, err := s.IntroductoryOfferEligibility("p", true, "1"); err == nil || !strings.HasPrefix(err.Error(), "appstore: IntroductoryOfferEligibility: ") {
			t.Errorf("%s, JWS: %v", tc.name, err)
		}
	}
}

func TestRemoteKeyThatHangsIsGivenUpOn(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		key := apitest.NewKey(t)
		release := make(chan struct{})
		s := newTestSigner(t, remoteKey{key, func(k *ecdsa.PrivateKey, d []byte) ([]byte, error) {
			<-release // a KMS call that never returns, and ignores any context
			return derAnswer(k, d)
		}})
		start := time.Now()
		_, err := s.AdvancedCommerceInApp(map[string]string{"operation": "X"})
		if err == nil || !strings.Contains(err.Error(), "did not answer within 30s") {
			t.Errorf("err = %v", err)
		}
		if waited := time.Since(start); waited != 30*time.Second {
			t.Errorf("waited %s for the signer, want 30s", waited)
		}
		close(release) // its goroutine ends when the signer returns
	})
}

func TestASignerNotMadeByNewSignerIsAnErrorNotAPanic(t *testing.T) {
	for name, s := range map[string]*appstore.Signer{"nil": nil, "zero": new(appstore.Signer)} {
		for method, sign := range map[string]func() (string, error){
			"PromotionalOfferV1":           func() (string, error) { return s.PromotionalOfferV1("p", "o", "", appstore.NewNonce(), signerClock) },
			"PromotionalOffer":             func() (string, error) { return s.PromotionalOffer("p", "o", "") },
			"IntroductoryOfferEligibility": func() (string, error) { return s.IntroductoryOfferEligibility("p", true, "1") },
			"AdvancedCommerceInApp":        func() (string, error) { return s.AdvancedCommerceInApp(map[string]int{"a": 1}) },
		} {
			if _, err := sign(); err == nil || !strings.HasPrefix(err.Error(), "appstore: "+method+": the Signer has no key; make it with NewSigner") {
				t.Errorf("%s Signer, %s: %v", name, method, err)
			}
		}
		_ = fmt.Sprint(s) + s.KeyID()
	}
}

func TestSignerIsSafeForConcurrentUse(t *testing.T) {
	key := apitest.NewKey(t)
	s := newTestSigner(t, key)
	var wg sync.WaitGroup
	toks := make(chan string, 16)
	for range 16 {
		wg.Go(func() {
			tok, err := s.PromotionalOffer("p", "o", "1")
			if err != nil {
				t.Error(err)
				return
			}
			toks <- tok
			if _, err := s.PromotionalOfferV1("p", "o", "", appstore.NewNonce(), signerClock); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(toks)
	seen := map[any]bool{}
	for tok := range toks {
		verifyJWS(t, &key.PublicKey, tok, map[string]any{"aud": "promotional-offer", "productId": "p", "offerIdentifier": "o", "transactionId": "1"})
		n := decodeSegment(t, strings.Split(tok, ".")[1])["nonce"]
		if seen[n] {
			t.Fatal("two concurrent signatures share a nonce")
		}
		seen[n] = true
	}
}

func TestNewNonceIsARandomLowerCaseUUIDv4(t *testing.T) {
	seen := map[string]bool{}
	var ones [128]int
	const n = 2000
	for range n {
		u := appstore.NewNonce()
		if !lowerUUIDv4.MatchString(u) {
			t.Fatalf("NewNonce() = %q", u)
		}
		if seen[u] {
			t.Fatal("NewNonce repeated itself")
		}
		seen[u] = true
		b, _ := new(big.Int).SetString(strings.ReplaceAll(u, "-", ""), 16)
		for i := range ones {
			ones[i] += int(b.Bit(i))
		}
	}
	// Every bit but the version's and variant's is set about half the time.
	fixed := map[int]bool{76: true, 77: true, 78: true, 79: true, 62: true, 63: true}
	for i, c := range ones {
		if !fixed[i] && (c < n/2-200 || c > n/2+200) {
			t.Errorf("bit %d was set %d times in %d", i, c, n)
		}
	}
}

// FuzzPromotionalOfferV1 holds that any input is either refused or signed
// over exactly the documented string: never a panic, never a signature over
// fields that have shifted.
func FuzzPromotionalOfferV1(f *testing.F) {
	f.Add("com.example.monthly", "SPRING_50", "", "20fba8a0-2b80-4a7d-a17f-85c1854727f8", int64(1698148900000))
	f.Add("p", "o", "6B6AD2D2-0F6E-4A52-9D1B-7A1F1B5A3C2E", "20FBA8A0-2B80-4A7D-A17F-85C1854727F8", int64(0))
	f.Add("p\u2063", "o", "", "20fba8a0-2b80-4a7d-a17f-85c1854727f8", int64(1))
	f.Add("p", "o", "x", "{20fba8a0-2b80-4a7d-a17f-85c1854727f}", int64(-5))
	key := apitest.NewKey(f)
	s := newTestSigner(f, key)
	f.Fuzz(func(t *testing.T, product, offer, token, nonce string, ms int64) {
		ts := time.UnixMilli(ms)
		sig, err := s.PromotionalOfferV1(product, offer, token, nonce, ts)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "appstore: PromotionalOfferV1: ") {
				t.Fatalf("error without the prefix: %v", err)
			}
			return
		}
		for _, field := range []string{product, offer, token, nonce} {
			if strings.Contains(field, "\u2063") {
				t.Fatal("signed a field holding the separator")
			}
		}
		if !verifyV1(t, &key.PublicKey, sig, documentedV1String(signerBundleID, signerKeyID, product, offer, token, nonce, ts)) {
			t.Fatal("the signature does not verify over the documented string")
		}
	})
}
