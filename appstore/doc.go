// Package appstore holds what the App Store signs and what StoreKit takes.
//
// A [Signer] makes, with the In-App Purchase key, the signatures an app
// hands to StoreKit:
//
//	s, err := appstore.NewSigner(appstore.SignerConfig{KeyID: "2X9R4HXF34", IssuerID: issuerID, BundleID: "com.example.app", PrivateKey: key})
//	jws, err := s.PromotionalOffer("com.example.monthly", "SPRING_50", transactionID)
//
// The rules are Apple's, as its App Store Server Library applies them:
// "Generating a signature for promotional offers" for the original form
// ([Signer.PromotionalOfferV1]), and "Generating JWS to sign App Store
// requests" for promotional offers, introductory-offer eligibility and
// Advanced Commerce API in-app requests.
package appstore
