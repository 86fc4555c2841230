package appstore

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/jws"
)

// PromotionalOfferV1 returns the original form of a promotional offer
// signature, which StoreKit's Product.SubscriptionOffer.Signature and
// SKPaymentDiscount take, and which Retention Messaging responses still
// require: standard base64 (padded) of the ASN.1 DER ECDSA P-256 SHA-256
// signature over bundle ID, key ID, productID, offerID, appAccountToken
// (lower case), nonce (lower case) and the timestamp in milliseconds since
// 1970, joined with U+2063, the rule of Apple's "Generating a signature for
// promotional offers".
//
// nonce must be a UUID, new for each signature ([NewNonce] makes one);
// appAccountToken is empty or a UUID, the one the app sets on the
// purchase. The app hands StoreKit the same nonce, timestamp and key ID
// ([Signer.KeyID]) with the signature; the offer stays usable for 24 hours
// from timestamp. A productID or offerID that is empty, has white space
// around it or holds U+2063 is refused: the signature would not match what
// the app sends.
func (s *Signer) PromotionalOfferV1(productID, offerID, appAccountToken, nonce string, timestamp time.Time) (string, error) {
	const method = "PromotionalOfferV1"
	if err := s.ready(method); err != nil {
		return "", err
	}
	for _, a := range [...]arg{{"productID", productID}, {"offerID", offerID}} {
		if err := checkArg(method, a.name, a.value); err != nil {
			return "", err
		}
		if strings.Contains(a.value, separator) {
			return "", fmt.Errorf("appstore: %s: %s holds U+2063, which separates the signed fields", method, a.name)
		}
	}
	if appAccountToken != "" {
		var err error
		if appAccountToken, err = lowerUUID(method, "appAccountToken", appAccountToken); err != nil {
			return "", fmt.Errorf("%w; leave it empty when the purchase carries none", err)
		}
	}
	nonce, err := lowerUUID(method, "nonce", nonce)
	if err != nil {
		return "", err
	}
	if timestamp.Before(time.Unix(0, 0)) {
		return "", fmt.Errorf("appstore: %s: timestamp is before 1970 (the zero time.Time?); pass the time the app hands StoreKit with the signature, e.g. time.Now()", method)
	}
	payload := strings.Join([]string{
		s.bundleID, s.keyID, productID, offerID, appAccountToken, nonce,
		strconv.FormatInt(timestamp.UnixMilli(), 10),
	}, separator)
	digest := sha256.Sum256([]byte(payload))
	return s.bounded(method, func(ctx context.Context) (string, error) {
		der, err := s.signDER(ctx, digest[:])
		if err != nil {
			return "", fmt.Errorf("appstore: %s: sign with key %s: %w", method, s.keyID, err)
		}
		return base64.StdEncoding.EncodeToString(der), nil
	})
}

// contextSigner is the root package's ContextSigner: a remote key that
// takes a context.
type contextSigner interface {
	crypto.Signer
	SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// signDER signs digest and returns the signature as ASN.1 DER, the form
// Apple's rule names. A key in memory signs with crypto/ecdsa. A remote
// key may answer DER or 64-byte R||S (some KMS and PKCS#11 wrappers do);
// either is checked against the key's Public() and written as DER, so that
// a signer that answers with another key's signature is an error here
// rather than a purchase sheet that fails on a user's phone.
func (s *Signer) signDER(ctx context.Context, digest []byte) ([]byte, error) {
	if k, ok := s.key.(*ecdsa.PrivateKey); ok {
		return ecdsa.SignASN1(rand.Reader, k, digest)
	}
	var sig []byte
	var err error
	if cs, ok := s.key.(contextSigner); ok {
		sig, err = cs.SignContext(ctx, rand.Reader, digest, crypto.SHA256)
	} else {
		sig, err = s.key.Sign(rand.Reader, digest, crypto.SHA256)
	}
	if err != nil {
		return nil, fmt.Errorf("the signer failed: %w", err)
	}
	raw, err := jws.RawSignature(sig)
	if err != nil {
		return nil, err
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])})
	if err != nil {
		return nil, err
	}
	if !ecdsa.VerifyASN1(s.key.Public().(*ecdsa.PublicKey), digest, der) {
		return nil, errors.New("the signer's signature does not verify with its own Public() key; is Public() the key that signs?")
	}
	return der, nil
}
