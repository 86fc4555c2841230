package main

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/golang-jwt/jwt/v5"
)

// The IDs of the In-App Purchase key the sign tests use.
const (
	signKeyID    = "2X9R4HXF34"
	signIssuerID = "57246542-96fe-1a63-e053-0824d011072a"
	signBundleID = "com.example.app"
)

// signNonceForm is a new lower-case random UUID, as nonces must be.
var signNonceForm = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// signBin is a built binary with an In-App Purchase key written as Apple
// names it, and the flags that name it and the app.
func signBin(t *testing.T) (*bin, *ecdsa.PrivateKey, []string) {
	b := newBin(t)
	key := apitest.NewKey(t)
	h := &harness{t: t, sys: &system{workDir: b.dir}}
	path := h.addKeyPEM("SubscriptionKey_"+signKeyID+".p8", key)
	return b, key, []string{"--key-id", signKeyID, "--issuer-id", signIssuerID, "--key", path, "--bundle-id", signBundleID}
}

// checkSignedJWS verifies out, the command's stdout, as one ES256 JWS by
// the key with golang-jwt, and compares its whole header and claim set:
// iss, iat within the run, aud, bid, a lower-case UUID nonce, and want.
func checkSignedJWS(t *testing.T, pub *ecdsa.PublicKey, out string, start time.Time, want map[string]any) {
	t.Helper()
	tok, ok := strings.CutSuffix(out, "\n")
	if !ok || strings.Contains(tok, "\n") {
		t.Fatalf("stdout is not one line: %q", out)
	}
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil }, jwt.WithValidMethods([]string{"ES256"}), jwt.WithJSONNumber())
	if err != nil {
		t.Fatalf("golang-jwt does not verify it: %v", err)
	}
	if h := map[string]any{"alg": "ES256", "kid": signKeyID, "typ": "JWT"}; !reflect.DeepEqual(parsed.Header, h) {
		t.Errorf("header %v, want %v", parsed.Header, h)
	}
	claims := map[string]any(parsed.Claims.(jwt.MapClaims))
	iat, err := claims["iat"].(json.Number).Int64()
	if err != nil || iat < start.Unix() || iat > time.Now().Unix() {
		t.Errorf("iat %v is not the time of the run", claims["iat"])
	}
	nonce, _ := claims["nonce"].(string)
	if len(nonce) != 36 || nonce != strings.ToLower(nonce) {
		t.Errorf("nonce %q is not a lower-case UUID", nonce)
	}
	full := map[string]any{"iss": signIssuerID, "iat": claims["iat"], "bid": signBundleID, "nonce": nonce}
	for k, v := range want {
		full[k] = v
	}
	if !reflect.DeepEqual(claims, full) {
		t.Errorf("claims %v\nwant   %v", claims, full)
	}
}

func TestSignJWSFormsWithTheBuiltBinary(t *testing.T) {
	b, key, creds := signBin(t)
	request := `{"operation":"CREATE_ONE_TIME_CHARGE", "version":"1", "currency":"USD",
  "item":{"SKU":"BOOK_1","displayName":"Book & more","price":4990}}`
	compact := `{"operation":"CREATE_ONE_TIME_CHARGE","version":"1","currency":"USD","item":{"SKU":"BOOK_1","displayName":"Book & more","price":4990}}`
	if err := os.WriteFile(filepath.Join(b.dir, "request.json"), []byte(request), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  map[string]any
	}{
		{"promotional offer", []string{"promotional-offer", "--product-id", "com.example.monthly", "--offer-id", "SPRING_50", "--transaction-id", "2000000123456789"}, "",
			map[string]any{"aud": "promotional-offer", "productId": "com.example.monthly", "offerIdentifier": "SPRING_50", "transactionId": "2000000123456789"}},
		{"promotional offer, no transaction", []string{"promotional-offer", "--product-id", "com.example.monthly", "--offer-id", "SPRING_50"}, "",
			map[string]any{"aud": "promotional-offer", "productId": "com.example.monthly", "offerIdentifier": "SPRING_50"}},
		{"eligibility withheld", []string{"introductory-offer-eligibility", "--product-id", "com.example.monthly", "--allow=false", "--transaction-id", "2000000123456789"}, "",
			map[string]any{"aud": "introductory-offer-eligibility", "productId": "com.example.monthly", "allowIntroductoryOffer": false, "transactionId": "2000000123456789"}},
		{"eligibility allowed", []string{"introductory-offer-eligibility", "--product-id", "com.example.monthly", "--allow", "--transaction-id", "2000000123456789"}, "",
			map[string]any{"aud": "introductory-offer-eligibility", "productId": "com.example.monthly", "allowIntroductoryOffer": true, "transactionId": "2000000123456789"}},
		{"advanced commerce from a file", []string{"advanced-commerce", "--request", "request.json"}, "",
			map[string]any{"aud": "advanced-commerce-api", "request": base64.StdEncoding.EncodeToString([]byte(compact))}},
		{"advanced commerce from stdin", []string{"advanced-commerce", "--request", "-"}, request,
			map[string]any{"aud": "advanced-commerce-api", "request": base64.StdEncoding.EncodeToString([]byte(compact))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.stdin = tc.stdin
			start := time.Now().Truncate(time.Second)
			r := b.run(append(append([]string{"sign"}, tc.args...), creds...)...)
			r.expect(t, exitOK)
			if r.stderr != "" {
				t.Errorf("stderr: %s", r.stderr)
			}
			checkSignedJWS(t, &key.PublicKey, r.stdout, start, tc.want)
		})
	}
}

// v1String is the string Apple's page says to sign, built by the test.
func v1String(productID, offerID, token, nonce string, ms int64) string {
	return strings.Join([]string{signBundleID, signKeyID, productID, offerID, strings.ToLower(token), strings.ToLower(nonce), strconv.FormatInt(ms, 10)}, "\u2063")
}

func verifyV1Sig(t *testing.T, pub *ecdsa.PublicKey, sig, text string) {
	t.Helper()
	der, err := base64.StdEncoding.Strict().DecodeString(sig)
	if err != nil {
		t.Fatalf("signature is not standard base64: %v", err)
	}
	digest := sha256.Sum256([]byte(text))
	if !ecdsa.VerifyASN1(pub, digest[:], der) {
		t.Fatalf("the signature does not verify over %q", text)
	}
}

func TestSignPromotionalOfferV1WithTheBuiltBinary(t *testing.T) {
	b, key, creds := signBin(t)
	v1 := append([]string{"sign", "promotional-offer-v1", "--product-id", "com.example.monthly", "--offer-id", "SPRING_50"}, creds...)

	// --json: the four values the app hands StoreKit, the nonce and
	// timestamp made here.
	before := time.Now().UnixMilli()
	r := b.run(append(v1, "--json")...)
	r.expect(t, exitOK)
	var out map[string]any
	d := json.NewDecoder(strings.NewReader(r.stdout))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if len(out) != 4 || out["keyIdentifier"] != signKeyID {
		t.Fatalf("want signature, nonce, timestamp and keyIdentifier: %v", out)
	}
	nonce, _ := out["nonce"].(string)
	ms, err := out["timestamp"].(json.Number).Int64()
	if err != nil || ms < before || ms > time.Now().UnixMilli() {
		t.Fatalf("timestamp %v is not the time of the run in milliseconds", out["timestamp"])
	}
	if !signNonceForm.MatchString(nonce) {
		t.Fatalf("nonce %q is not a new lower-case UUID", nonce)
	}
	sig, _ := out["signature"].(string)
	verifyV1Sig(t, &key.PublicKey, sig, v1String("com.example.monthly", "SPRING_50", "", nonce, ms))

	// Given nonce, token and timestamp: used, in lower case.
	const nonceUpper, tokenUpper = "20FBA8A0-2B80-4A7D-A17F-85C1854727F8", "6B6AD2D2-0F6E-4A52-9D1B-7A1F1B5A3C2E"
	r = b.run(append(v1, "--json", "--nonce", nonceUpper, "--app-account-token", tokenUpper, "--timestamp", "1698148900000")...)
	r.expect(t, exitOK)
	out = nil
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out["nonce"] != strings.ToLower(nonceUpper) || out["timestamp"] != float64(1698148900000) {
		t.Fatalf("the given nonce and timestamp were not used as signed: %v", out)
	}
	verifyV1Sig(t, &key.PublicKey, out["signature"].(string), v1String("com.example.monthly", "SPRING_50", tokenUpper, nonceUpper, 1698148900000))

	// Without --json: the signature alone on stdout, and a note that the
	// nonce and timestamp are not shown.
	r = b.run(v1...)
	r.expect(t, exitOK, "pass --json to print them")
	if lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"); len(lines) != 1 || len(lines[0]) < 80 {
		t.Fatalf("stdout is not one signature: %q", r.stdout)
	}
	r = b.run(append(v1, "--nonce", nonceUpper, "--timestamp", "1698148900000")...)
	r.expect(t, exitOK)
	if r.stderr != "" {
		t.Errorf("a note with nonce and timestamp given: %s", r.stderr)
	}
	verifyV1Sig(t, &key.PublicKey, strings.TrimSpace(r.stdout), v1String("com.example.monthly", "SPRING_50", "", nonceUpper, 1698148900000))
}

func TestSignFindsCredentialsInTheEnvironment(t *testing.T) {
	b, key, creds := signBin(t)
	b.env = []string{"ASC_KEY_ID=" + signKeyID, "ASC_ISSUER_ID=" + signIssuerID, "ASC_PRIVATE_KEY_PATH=" + creds[5]}
	start := time.Now().Truncate(time.Second)
	r := b.run("sign", "promotional-offer", "--bundle-id", signBundleID, "--product-id", "p", "--offer-id", "o")
	r.expect(t, exitOK)
	checkSignedJWS(t, &key.PublicKey, r.stdout, start, map[string]any{"aud": "promotional-offer", "productId": "p", "offerIdentifier": "o"})
}

func TestSignMistakesExit2WithoutQuotingValues(t *testing.T) {
	b, _, creds := signBin(t)
	const secretish = "c0ffee00-dead-beef-cafe-0123456789a"
	os.WriteFile(filepath.Join(b.dir, "junk.json"), []byte(`{"operation":`), 0o600)
	noIssuer := []string{"--key-id", signKeyID, "--key", creds[5], "--bundle-id", signBundleID}
	for _, tc := range []struct {
		name string
		args []string
		says []string
	}{
		{"no form", nil, []string{"want a form first: promotional-offer, promotional-offer-v1, introductory-offer-eligibility, advanced-commerce"}},
		{"unknown form", []string{"promo"}, []string{`no form "promo"`}},
		{"credential flag before the form", []string{"--key-id", signKeyID}, []string{"flag provided but not defined: -key-id\n"}},
		{"no bundle ID", []string{"promotional-offer", "--product-id", "p", "--offer-id", "o"}, []string{"--bundle-id is required"}},
		{"no product", append([]string{"promotional-offer", "--offer-id", "o"}, creds...), []string{"--product-id is required"}},
		{"no offer", append([]string{"promotional-offer-v1", "--product-id", "p"}, creds...), []string{"--offer-id is required"}},
		{"no allow", append([]string{"introductory-offer-eligibility", "--product-id", "p", "--transaction-id", "1"}, creds...), []string{"--allow is required"}},
		{"no transaction", append([]string{"introductory-offer-eligibility", "--product-id", "p", "--allow"}, creds...), []string{"--transaction-id is required"}},
		{"no request", append([]string{"advanced-commerce"}, creds...), []string{"--request is required"}},
		{"request not JSON", append([]string{"advanced-commerce", "--request", "junk.json"}, creds...), []string{"--request: the 13 bytes read are not JSON"}},
		{"request missing", append([]string{"advanced-commerce", "--request", "nope.json"}, creds...), []string{"--request", "no such file"}},
		{"bad nonce", append([]string{"promotional-offer-v1", "--product-id", "p", "--offer-id", "o", "--nonce", secretish}, creds...), []string{"nonce is 35 bytes long, not the 36 characters of a UUID"}},
		{"bad token", append([]string{"promotional-offer-v1", "--product-id", "p", "--offer-id", "o", "--app-account-token", secretish + "x-"}, creds...), []string{"appAccountToken is 37 bytes long"}},
		{"bad timestamp", append([]string{"promotional-offer-v1", "--product-id", "p", "--offer-id", "o", "--timestamp", "-5"}, creds...), []string{"--timestamp: want milliseconds since 1970"}},
		{"separator in the product", append([]string{"promotional-offer-v1", "--product-id", "p\u2063", "--offer-id", "o"}, creds...), []string{"productID holds U+2063"}},
		{"no issuer", append([]string{"promotional-offer", "--product-id", "p", "--offer-id", "o"}, noIssuer...), []string{"no issuer ID: set --issuer-id or ASC_ISSUER_ID"}},
		{"stray argument", append([]string{"promotional-offer", "--product-id", "p", "--offer-id", "o", "extra"}, creds...), []string{`unexpected argument "extra"`}},
		{"white space in the bundle ID", append(append([]string{"promotional-offer", "--product-id", "p", "--offer-id", "o"}, creds...), "--bundle-id", "com.example.app "), []string{"appstore: SignerConfig.BundleID has white space around it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.run(append([]string{"sign"}, tc.args...)...)
			r.expect(t, exitUsage, tc.says...)
			if r.stdout != "" {
				t.Errorf("stdout on a mistake: %q", r.stdout)
			}
			if strings.Contains(r.stderr, secretish[:18]) {
				t.Errorf("stderr quotes a value: %s", r.stderr)
			}
		})
	}
}

func TestSignHelpGoesToStdout(t *testing.T) {
	b := newBin(t)
	for _, args := range [][]string{{"sign", "--help"}, {"help", "sign"}, {"sign", "promotional-offer-v1", "--help"}, {"sign", "advanced-commerce", "-h"}} {
		r := b.run(args...)
		r.expect(t, exitOK)
		want := "Usage: ascjwt " + strings.Join(args[:len(args)-1], " ")
		if args[0] == "help" {
			want = "Usage: ascjwt sign"
		}
		if !strings.HasPrefix(r.stdout, want) || r.stderr != "" {
			t.Errorf("%v: stdout %q, stderr %q", args, r.stdout, r.stderr)
		}
	}
	r := b.run("sign", "--help")
	for _, form := range []string{"promotional-offer ", "promotional-offer-v1", "introductory-offer-eligibility", "advanced-commerce"} {
		if !strings.Contains(r.stdout, "  "+form) {
			t.Errorf("sign --help does not list %s:\n%s", form, r.stdout)
		}
	}
}
