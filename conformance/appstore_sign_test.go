package conformance

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// storeKitV1Case is one promotional offer in the original form, for both
// libraries.
type storeKitV1Case struct {
	ProductID       string `json:"productId"`
	OfferID         string `json:"offerId"`
	AppAccountToken string `json:"appAccountToken"`
	Nonce           string `json:"nonce"`
	Timestamp       int64  `json:"timestamp"`
	Ours            string `json:"ours"` // ascjwt's signature, for Node to verify
}

type storeKitOfferCase struct {
	ProductID     string  `json:"productId"`
	OfferID       string  `json:"offerId"`
	TransactionID *string `json:"transactionId,omitempty"` // Apple's: undefined where ours is ""
}

type storeKitEligibilityCase struct {
	ProductID     string `json:"productId"`
	Allow         bool   `json:"allow"`
	TransactionID string `json:"transactionId"`
}

type storeKitCommerceCase struct {
	Request json.RawMessage `json:"request"`
}

// appleStoreKitSignatures runs conformance/node/storekit_signatures.js:
// Apple's App Store Server Library signs each case with key.
func appleStoreKitSignatures(t *testing.T, in any) (out struct {
	V1 []struct {
		Apple        string `json:"apple"`
		SignedText   string `json:"signedText"`
		OursVerifies bool   `json:"oursVerifies"`
	} `json:"v1"`
	PromotionalOffer             []string `json:"promotionalOffer"`
	IntroductoryOfferEligibility []string `json:"introductoryOfferEligibility"`
	AdvancedCommerce             []string `json:"advancedCommerce"`
}) {
	t.Helper()
	nodeScript{Package: appleLibrary, Args: []string{"storekit_signatures.js"}, Input: in}.run(t, &out)
	return out
}

// jwsParts decodes a compact JWS's header and claims.
func jwsParts(t *testing.T, jws string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %d parts", len(parts))
	}
	decode := func(seg string) map[string]any {
		raw, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	return decode(parts[0]), decode(parts[1])
}

// verifyES256 checks a compact JWS's signature with pub by hand: R||S over
// the signing input.
func verifyES256(t *testing.T, pub *ecdsa.PublicKey, jws string) {
	t.Helper()
	i := strings.LastIndexByte(jws, '.')
	sig, err := base64.RawURLEncoding.DecodeString(jws[i+1:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("the signature is not 64 bytes of base64url: %v", err)
	}
	digest := sha256.Sum256([]byte(jws[:i]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		t.Fatal("the JWS does not verify with the key")
	}
}

// TestStoreKitSignaturesMatchApplesLibrary gives Apple's Node library and
// appstore.Signer the same key and inputs: the JWS forms must carry equal
// headers and claim sets apart from nonce and iat, and each original-form
// signature must verify over the text the other signs.
func TestStoreKitSignaturesMatchApplesLibrary(t *testing.T) {
	key := apitest.NewKey(t)
	const keyID, issuerID, bundleID = "2X9R4HXF34", "57246542-96fe-1a63-e053-0824d011072a", "com.example.app"
	signer, err := appstore.NewSigner(appstore.SignerConfig{KeyID: keyID, IssuerID: issuerID, BundleID: bundleID, PrivateKey: key})
	if err != nil {
		t.Fatal(err)
	}

	v1 := []storeKitV1Case{
		{ProductID: "com.example.monthly", OfferID: "SPRING_50", Nonce: "20fba8a0-2b80-4a7d-a17f-85c1854727f8", Timestamp: 1698148900000},
		{ProductID: "com.example.yearly", OfferID: "WINBACK.2026", AppAccountToken: "6B6AD2D2-0F6E-4A52-9D1B-7A1F1B5A3C2E", Nonce: "20FBA8A0-2B80-4A7D-A17F-85C1854727F8", Timestamp: time.Now().UnixMilli()},
		{ProductID: "produit.annuel.é", OfferID: "offre_été", AppAccountToken: appstore.NewNonce(), Nonce: appstore.NewNonce(), Timestamp: 1},
	}
	for i := range v1 {
		c := &v1[i]
		if c.Ours, err = signer.PromotionalOfferV1(c.ProductID, c.OfferID, c.AppAccountToken, c.Nonce, time.UnixMilli(c.Timestamp)); err != nil {
			t.Fatal(err)
		}
	}
	txn := "2000000123456789"
	offers := []storeKitOfferCase{{"com.example.monthly", "SPRING_50", &txn}, {"com.example.monthly", "SPRING_50", nil}}
	eligibility := []storeKitEligibilityCase{{"com.example.monthly", true, txn}, {"com.example.monthly", false, txn}}
	commerce := []storeKitCommerceCase{
		{json.RawMessage(`{"operation":"CREATE_ONE_TIME_CHARGE","version":"1","requestInfo":{"requestReferenceId":"3db5c98d-8ab5-4dc4-8b04-5a0a4a5a5b1e"},"currency":"USD","taxCode":"C003-00-2","storefront":"USA","item":{"SKU":"BOOK_1","displayName":"Tom & Jerry <1>","description":"Un livre illustré","price":4990}}`)},
		{json.RawMessage(`{"operation":"MODIFY_SUBSCRIPTION","version":"1","items":[{"SKU":"A","price":0.5},{"SKU":"B","price":1000}],"prorate":false,"note":null}`)},
	}

	apple := appleStoreKitSignatures(t, map[string]any{
		"keyPEM":                       apitest.PEM(t, key),
		"keyId":                        keyID,
		"issuerId":                     issuerID,
		"bundleId":                     bundleID,
		"v1":                           v1,
		"promotionalOffer":             offers,
		"introductoryOfferEligibility": eligibility,
		"advancedCommerce":             commerce,
	})

	t.Run("original form", func(t *testing.T) {
		if len(apple.V1) != len(v1) {
			t.Fatalf("%d results for %d cases", len(apple.V1), len(v1))
		}
		for i, c := range v1 {
			a := apple.V1[i]
			// The text Apple signs is the documented rule's.
			rule := strings.Join([]string{bundleID, keyID, c.ProductID, c.OfferID, strings.ToLower(c.AppAccountToken), strings.ToLower(c.Nonce), strconv.FormatInt(c.Timestamp, 10)}, "\u2063")
			if a.SignedText != rule {
				t.Errorf("case %d: Apple signs %q, the rule says %q", i, a.SignedText, rule)
			}
			if !a.OursVerifies {
				t.Errorf("case %d: ours does not verify over Apple's text, by Node's crypto", i)
			}
			for who, sig := range map[string]string{"ours": c.Ours, "Apple's": a.Apple} {
				raw, err := base64.StdEncoding.Strict().DecodeString(sig)
				if err != nil {
					t.Fatalf("case %d: %s signature is not standard base64: %v", i, who, err)
				}
				digest := sha256.Sum256([]byte(a.SignedText))
				if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], raw) {
					t.Errorf("case %d: %s signature does not verify over Apple's text", i, who)
				}
				digest = sha256.Sum256([]byte(rule))
				if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], raw) {
					t.Errorf("case %d: %s signature does not verify over the documented text", i, who)
				}
			}
		}
	})

	same := func(t *testing.T, what string, ours, theirs string) {
		t.Helper()
		verifyES256(t, &key.PublicKey, ours)
		verifyES256(t, &key.PublicKey, theirs)
		oh, oc := jwsParts(t, ours)
		ah, ac := jwsParts(t, theirs)
		if !reflect.DeepEqual(oh, ah) {
			t.Errorf("%s: header %v, Apple's %v", what, oh, ah)
		}
		for _, c := range []map[string]any{oc, ac} {
			if _, ok := c["iat"].(float64); !ok {
				t.Errorf("%s: no iat in %v", what, c)
			}
			if n, _ := c["nonce"].(string); len(n) != 36 {
				t.Errorf("%s: no UUID nonce in %v", what, c)
			}
			delete(c, "iat")
			delete(c, "nonce")
		}
		if !reflect.DeepEqual(oc, ac) {
			t.Errorf("%s: claims apart from nonce and iat\n ours    %v\n Apple's %v", what, oc, ac)
		}
	}
	t.Run("promotional offer", func(t *testing.T) {
		for i, c := range offers {
			txn := ""
			if c.TransactionID != nil {
				txn = *c.TransactionID
			}
			ours, err := signer.PromotionalOffer(c.ProductID, c.OfferID, txn)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "case "+strconv.Itoa(i), ours, apple.PromotionalOffer[i])
		}
	})
	t.Run("introductory offer eligibility", func(t *testing.T) {
		for i, c := range eligibility {
			ours, err := signer.IntroductoryOfferEligibility(c.ProductID, c.Allow, c.TransactionID)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "case "+strconv.Itoa(i), ours, apple.IntroductoryOfferEligibility[i])
		}
	})
	t.Run("advanced commerce", func(t *testing.T) {
		for i, c := range commerce {
			ours, err := signer.AdvancedCommerceInApp(c.Request)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "case "+strconv.Itoa(i), ours, apple.AdvancedCommerce[i])
		}
	})
}
