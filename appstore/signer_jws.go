package appstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Audiences of the JWS forms: the "aud" claim that tells Apple which
// feature a signature is for, from "Generating JWS to sign App Store
// requests".
const (
	audiencePromotionalOffer             = "promotional-offer"
	audienceIntroductoryOfferEligibility = "introductory-offer-eligibility"
	audienceAdvancedCommerce             = "advanced-commerce-api"
)

// baseClaims are the claims every JWS form carries. There is no "exp":
// Apple's page lists none, and Apple's libraries set none.
type baseClaims struct {
	Issuer   string `json:"iss"`
	IssuedAt int64  `json:"iat"` // seconds since 1970
	Audience string `json:"aud"`
	BundleID string `json:"bid"`
	Nonce    string `json:"nonce"` // a new UUID for each signature
}

type promotionalOfferClaims struct {
	baseClaims
	ProductID       string `json:"productId"`
	OfferIdentifier string `json:"offerIdentifier"`
	TransactionID   string `json:"transactionId,omitempty"`
}

type introductoryOfferEligibilityClaims struct {
	baseClaims
	ProductID              string `json:"productId"`
	AllowIntroductoryOffer bool   `json:"allowIntroductoryOffer"`
	TransactionID          string `json:"transactionId"`
}

type advancedCommerceClaims struct {
	baseClaims
	Request string `json:"request"` // standard base64, padded, of the request's JSON
}

// PromotionalOffer returns a promotional offer signature in the JWS form,
// which StoreKit's Product.PurchaseOption.promotionalOffer(_:compactJWS:)
// takes: a compact JWS with header alg ES256, kid and typ JWT, and claims
// iss, iat, aud "promotional-offer", bid, nonce (a new UUID), productId,
// offerIdentifier and transactionId. transactionID is the ID of any
// transaction of the customer, the appTransactionId included; Apple
// recommends it, and it is left out of the claims when empty.
func (s *Signer) PromotionalOffer(productID, offerID, transactionID string) (string, error) {
	const method = "PromotionalOffer"
	args := []arg{{"productID", productID}, {"offerID", offerID}}
	if transactionID != "" {
		args = append(args, arg{"transactionID", transactionID})
	}
	if err := s.readyFor(method, args...); err != nil {
		return "", err
	}
	return s.signClaims(method, func(base baseClaims) any {
		return promotionalOfferClaims{base, productID, offerID, transactionID}
	}, audiencePromotionalOffer)
}

// IntroductoryOfferEligibility returns the JWS that tells StoreKit whether
// the customer may have a product's introductory offer, overriding the App
// Store's own judgement, which Product.PurchaseOption
// .introductoryOfferEligibility(compactJWS:) takes: header alg ES256, kid
// and typ JWT; claims iss, iat, aud "introductory-offer-eligibility", bid,
// nonce (a new UUID), productId, allowIntroductoryOffer and transactionId.
// transactionID, the ID of any transaction of the customer (the
// appTransactionId will do), is required.
func (s *Signer) IntroductoryOfferEligibility(productID string, allow bool, transactionID string) (string, error) {
	const method = "IntroductoryOfferEligibility"
	if err := s.readyFor(method, arg{"productID", productID}); err != nil {
		return "", err
	}
	if err := checkArg(method, "transactionID", transactionID); err != nil {
		return "", fmt.Errorf("%w; pass the ID of any transaction of the customer, such as the appTransactionId", err)
	}
	return s.signClaims(method, func(base baseClaims) any {
		return introductoryOfferEligibilityClaims{base, productID, allow, transactionID}
	}, audienceIntroductoryOfferEligibility)
}

// AdvancedCommerceInApp returns the signed form of an Advanced Commerce API
// in-app request, which the app passes to StoreKit's
// AdvancedCommerceProduct.purchase(compactJWS:...): a JWS with header alg ES256,
// kid and typ JWT, and claims iss, iat, aud "advanced-commerce-api", bid,
// nonce (a new UUID) and request, the standard base64 (padded) of
// request's JSON.
//
// request is the request as Apple's Advanced Commerce API documents it (a
// struct with JSON tags, a map, or a json.RawMessage of its JSON). It must
// encode to a JSON object: a string or []byte holding JSON is refused, since
// encoding/json would encode it as a JSON string.
func (s *Signer) AdvancedCommerceInApp(request any) (string, error) {
	const method = "AdvancedCommerceInApp"
	if err := s.ready(method); err != nil {
		return "", err
	}
	if request == nil {
		return "", fmt.Errorf("appstore: %s: request is nil", method)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// As JavaScript's JSON.stringify writes it, which Apple's Node library
	// uses: '<', '>' and '&' as they are.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(request); err != nil {
		return "", fmt.Errorf("appstore: %s: encode request as JSON: %w", method, err)
	}
	text := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(text) == 0 || text[0] != '{' {
		return "", fmt.Errorf("appstore: %s: request encodes to JSON %s, not an object; pass the request as a struct, a map or a json.RawMessage of its JSON", method, jsonKind(text))
	}
	encoded := base64.StdEncoding.EncodeToString(text)
	return s.signClaims(method, func(base baseClaims) any {
		return advancedCommerceClaims{base, encoded}
	}, audienceAdvancedCommerce)
}

// An arg is a method's string argument, by the name its errors use.
type arg struct{ name, value string }

// readyFor is the start of a signing method: the signer is ready, and each
// of args passes checkArg, in order.
func (s *Signer) readyFor(method string, args ...arg) error {
	if err := s.ready(method); err != nil {
		return err
	}
	for _, a := range args {
		if err := checkArg(method, a.name, a.value); err != nil {
			return err
		}
	}
	return nil
}

// jsonKind names the kind of the JSON value text, for an error that must
// not quote it.
func jsonKind(text []byte) string {
	switch {
	case len(text) == 0:
		return "of nothing"
	case text[0] == '"':
		return "a string"
	case text[0] == '[':
		return "an array"
	case text[0] == 'n':
		return "null"
	case text[0] == 't' || text[0] == 'f':
		return "a boolean"
	}
	return "a number"
}

// signClaims signs the claims that claims returns, given the claims every
// form shares for aud, with iat from the signer's clock and a new nonce.
func (s *Signer) signClaims(method string, claims func(baseClaims) any, aud string) (string, error) {
	base := baseClaims{
		Issuer:   s.issuerID,
		IssuedAt: s.now().Unix(),
		Audience: aud,
		BundleID: s.bundleID,
		Nonce:    NewNonce(),
	}
	payload, err := json.Marshal(claims(base))
	if err != nil {
		return "", fmt.Errorf("appstore: %s: encode claims: %w", method, err)
	}
	return s.bounded(method, func(ctx context.Context) (string, error) {
		tok, err := s.jws.Sign(ctx, payload)
		if err != nil {
			return "", fmt.Errorf("appstore: %s: sign with key %s: %w", method, s.keyID, err)
		}
		return tok, nil
	})
}
