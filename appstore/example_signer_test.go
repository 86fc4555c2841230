package appstore_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
)

// exampleSigner stands for the signer a server makes once at start-up from
// its In-App Purchase key:
//
//	key, err := ascjwt.LoadPrivateKey("SubscriptionKey_2X9R4HXF34.p8")
//
// The examples generate a key instead, so that they run anywhere.
func exampleSigner() (*appstore.Signer, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := appstore.NewSigner(appstore.SignerConfig{
		KeyID:      "2X9R4HXF34",
		IssuerID:   "57246542-96fe-1a63-e053-0824d011072a",
		BundleID:   "com.example.app",
		PrivateKey: key,
	})
	if err != nil {
		log.Fatal(err)
	}
	return signer, key
}

// printClaims prints a JWS's header and claims, leaving out the two that
// change with each signature (iat and nonce).
func printClaims(jws string) {
	parts := strings.Split(jws, ".")
	for i, name := range []string{"header", "claims"} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			log.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s:", name)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k == "iat" || k == "nonce" {
				continue
			}
			fmt.Printf(" %s=%v", k, m[k])
		}
		fmt.Println()
	}
}

func ExampleNewSigner() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // in production: ascjwt.LoadPrivateKey("SubscriptionKey_2X9R4HXF34.p8")
	if err != nil {
		log.Fatal(err)
	}
	cfg := appstore.SignerConfig{
		KeyID:      "2X9R4HXF34",
		IssuerID:   "57246542-96fe-1a63-e053-0824d011072a",
		BundleID:   "com.example.app",
		PrivateKey: key,
	}
	signer, err := appstore.NewSigner(cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(signer) // never the key

	// A mistake is refused at start-up, never quoted.
	cfg.KeyID += " "
	_, err = appstore.NewSigner(cfg)
	fmt.Println(err)
	// Output:
	// appstore.Signer{KeyID:"2X9R4HXF34" IssuerID:"57246542-96fe-1a63-e053-0824d011072a" BundleID:"com.example.app" PrivateKey:*ecdsa.PrivateKey(redacted)}
	// appstore: SignerConfig.KeyID has white space around it; remove it
}

// The original form: the app hands StoreKit the signature with the nonce,
// the timestamp and the key ID it was made with.
func ExampleSigner_PromotionalOfferV1() {
	signer, key := exampleSigner()
	nonce := appstore.NewNonce()
	now := time.Now()
	sig, err := signer.PromotionalOfferV1("com.example.monthly", "SPRING_50", "", nonce, now)
	if err != nil {
		log.Fatal(err)
	}
	offer := map[string]any{
		"keyIdentifier": signer.KeyID(),
		"nonce":         nonce,
		"timestamp":     now.UnixMilli(),
		"signature":     sig,
	}
	_ = offer // the response to the app, e.g. json.NewEncoder(w).Encode(offer)

	// What Apple checks: the signature over the fields joined with U+2063.
	text := strings.Join([]string{"com.example.app", "2X9R4HXF34", "com.example.monthly", "SPRING_50", "", nonce, strconv.FormatInt(now.UnixMilli(), 10)}, "\u2063")
	der, _ := base64.StdEncoding.DecodeString(sig)
	digest := sha256.Sum256([]byte(text))
	fmt.Println("verifies:", ecdsa.VerifyASN1(&key.PublicKey, digest[:], der))
	// Output:
	// verifies: true
}

func ExampleSigner_PromotionalOffer() {
	signer, _ := exampleSigner()
	jws, err := signer.PromotionalOffer("com.example.monthly", "SPRING_50", "2000000123456789")
	if err != nil {
		log.Fatal(err)
	}
	printClaims(jws) // the app passes jws to Product.PurchaseOption.promotionalOffer(_:compactJWS:)
	// Output:
	// header: alg=ES256 kid=2X9R4HXF34 typ=JWT
	// claims: aud=promotional-offer bid=com.example.app iss=57246542-96fe-1a63-e053-0824d011072a offerIdentifier=SPRING_50 productId=com.example.monthly transactionId=2000000123456789
}

func ExampleSigner_IntroductoryOfferEligibility() {
	signer, _ := exampleSigner()
	// This customer had a free trial on another platform: no second one.
	jws, err := signer.IntroductoryOfferEligibility("com.example.monthly", false, "2000000123456789")
	if err != nil {
		log.Fatal(err)
	}
	printClaims(jws)
	// Output:
	// header: alg=ES256 kid=2X9R4HXF34 typ=JWT
	// claims: allowIntroductoryOffer=false aud=introductory-offer-eligibility bid=com.example.app iss=57246542-96fe-1a63-e053-0824d011072a productId=com.example.monthly transactionId=2000000123456789
}

func ExampleSigner_AdvancedCommerceInApp() {
	signer, _ := exampleSigner()
	type item struct {
		SKU         string `json:"SKU"`
		DisplayName string `json:"displayName"`
		Description string `json:"description"`
		Price       int64  `json:"price"` // in milliunits of the currency
	}
	request := struct {
		Operation string `json:"operation"`
		Version   string `json:"version"`
		Currency  string `json:"currency"`
		TaxCode   string `json:"taxCode"`
		Item      item   `json:"item"`
		Info      struct {
			RequestReferenceID string `json:"requestReferenceId"`
		} `json:"requestInfo"`
	}{Operation: "CREATE_ONE_TIME_CHARGE", Version: "1", Currency: "USD", TaxCode: "C003-00-2",
		Item: item{SKU: "BOOK_1", DisplayName: "Book one", Description: "The first book", Price: 4990}}
	request.Info.RequestReferenceID = "3db5c98d-8ab5-4dc4-8b04-5a0a4a5a5b1e"

	jws, err := signer.AdvancedCommerceInApp(request)
	if err != nil {
		log.Fatal(err)
	}
	var claims struct{ Request string }
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
	json.Unmarshal(payload, &claims)
	signed, _ := base64.StdEncoding.DecodeString(claims.Request)
	fmt.Println(string(signed))
	// Output:
	// {"operation":"CREATE_ONE_TIME_CHARGE","version":"1","currency":"USD","taxCode":"C003-00-2","item":{"SKU":"BOOK_1","displayName":"Book one","description":"The first book","price":4990},"requestInfo":{"requestReferenceId":"3db5c98d-8ab5-4dc4-8b04-5a0a4a5a5b1e"}}
}

func ExampleNewNonce() {
	nonce := appstore.NewNonce()
	fmt.Println(len(nonce), nonce == strings.ToLower(nonce))
	// Output:
	// 36 true
}
