// Package appstore verifies what the App Store signs, and signs what
// StoreKit takes.
//
// # Verifying
//
// App Store Server Notifications V2, and the signedTransactionInfo,
// signedRenewalInfo and signed app transactions that the App Store Server
// API and StoreKit hand over, are each a JWS signed with ES256 by a
// certificate whose chain, in the header's x5c, leads to Apple Root CA - G3.
// A [Verifier] checks them by the rules of Apple's App Store Server Library
// (its SignedDataVerifier) and decodes them into Go types:
//
//	v, err := appstore.NewVerifier(appstore.VerifierConfig{
//		BundleID:    "com.example.app",
//		AppAppleID:  1234567890,
//		Environment: appstore.Production,
//	})
//	...
//	n, err := v.VerifyNotification(r.Context(), body.SignedPayload)
//	if errors.Is(err, appstore.ErrRetryable) {
//		http.Error(w, "try again", http.StatusServiceUnavailable) // Apple sends it again
//	}
//
// The checks run in Apple's order, and an error names the first rule
// broken, with Apple's status name ([ErrVerification] is
// VERIFICATION_FAILURE, and so on):
//
//   - format: three base64url segments of JSON objects whose fields have
//     the types Apple documents ([ErrInvalidFormat]);
//   - chain: exactly three certificates in x5c ([ErrInvalidChainLength]) that
//     parse ([ErrInvalidCertificate]), the leaf with Apple's receipt signing
//     OID 1.2.840.113635.100.6.11.1 and the intermediate with Apple's WWDR
//     OID 1.2.840.113635.100.6.2.1 ([ErrVerification]), leading through the
//     intermediate to one of VerifierConfig.Roots, by default Apple Root CA -
//     G3 built into this package; the third certificate is never trusted
//     because it is there ([ErrInvalidChain]); every certificate valid at
//     the payload's signing date, or now with online checks
//     ([ErrInvalidCertificate]);
//   - with OnlineChecks, OCSP for the leaf and the intermediate: revoked is
//     [ErrInvalidCertificate], an unreachable responder [ErrRetryable];
//   - signature: alg ES256 and an ECDSA P-256 signature by the leaf's key
//     ([ErrVerification]);
//   - the app: the bundle ID, the App Apple ID in Production
//     ([ErrInvalidAppIdentifier]) and the environment
//     ([ErrInvalidEnvironment]).
//
// Verified chains are kept for 15 minutes, so a payload signed with a
// chain seen before costs one signature check and its JSON decoding.
//
// Environment Xcode or LocalTesting turns verification OFF. StoreKit
// testing in Xcode signs with a key of its own, so, as Apple's library
// does, the verifier then checks neither signature nor chain, only the
// claims. Use them for StoreKit testing alone, never for data from a device
// or the network.
//
// The package appstoretest makes data signed the way the App Store signs
// it, with a test root, for the tests of a handler.
//
// # Signing
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
//
// # Apple's documentation
//
// The rules and fields come from Apple's pages "App Store Server
// Notifications V2", "responseBodyV2DecodedPayload", "JWSTransaction",
// "JWSTransactionDecodedPayload", "JWSRenewalInfoDecodedPayload",
// "JWSAppTransactionDecodedPayload", "Retention Messaging API", and
// "Simplifying your implementation by using the App Store Server Library",
// and from the SignedDataVerifier and ChainVerifier of the App Store Server
// Library (Python, Node, Java, Swift).
package appstore
