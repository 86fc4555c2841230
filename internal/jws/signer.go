// Package jws signs App Store Connect tokens with go-jose: the compact JWS
// with header {"alg":"ES256","kid":...,"typ":"JWT"} and a 64-byte R||S
// signature, from either an in-memory key or any crypto.Signer.
package jws

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Signer makes compact ES256 JWS strings for one key and key ID. It is safe
// for concurrent use.
type Signer struct {
	local  jose.Signer   // for an in-memory key; nil for a remote one
	remote crypto.Signer // any other key: a KMS or HSM
	opts   *jose.SignerOptions
	head   string // the protected header as go-jose writes it, base64url; in-memory keys only
}

// contextSigner is the root package's ContextSigner: a signer, typically a
// remote KMS key, that takes a context.
type contextSigner interface {
	crypto.Signer
	SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// NewSigner returns a Signer for key, which must have a P-256 public key. An
// *ecdsa.PrivateKey signs through go-jose's own ECDSA code; any other
// crypto.Signer (a KMS or HSM key) through go-jose's OpaqueSigner.
func NewSigner(key crypto.Signer, keyID string) (*Signer, error) {
	return NewSignerWith(key, keyID, Header{Type: "JWT"})
}

// Header is what goes into the protected header beside "alg" and "kid",
// which differ between Apple's APIs: App Store Connect's tokens carry
// "typ":"JWT", APNs' carry nothing more, WeatherKit's carry "id".
type Header struct {
	Type  string            // the "typ" value; empty for no "typ"
	Extra map[string]string // further fields, such as WeatherKit's "id"
}

// NewSignerWith is NewSigner with the header h.
func NewSignerWith(key crypto.Signer, keyID string, h Header) (*Signer, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	opts := (&jose.SignerOptions{}).WithHeader(jose.HeaderKey("kid"), keyID)
	if h.Type != "" {
		opts = opts.WithType(jose.ContentType(h.Type))
	}
	for k, v := range h.Extra {
		opts = opts.WithHeader(jose.HeaderKey(k), v)
	}
	s := &Signer{opts: opts}
	k, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		s.remote = key
		if _, err := s.remoteSigner(context.Background()); err != nil {
			return nil, fmt.Errorf("set up ES256 signing: %w", err)
		}
		return s, nil
	}
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, s.opts)
	if err != nil {
		return nil, fmt.Errorf("set up ES256 signing: %w", err)
	}
	// go-jose writes the same protected header for every signature (a map
	// of fixed values, keys sorted). Learn it once, so that each token is
	// assembled from header, payload and signature rather than by
	// CompactSerialize, which encodes the header a second time. One local
	// signature here costs tens of microseconds; a remote key is not asked
	// for one it was not asked for.
	obj, err := js.Sign([]byte("{}"))
	if err != nil {
		return nil, fmt.Errorf("ES256 signing with the key failed: %w", err)
	}
	compact, err := obj.CompactSerialize()
	if err != nil {
		return nil, fmt.Errorf("ES256 signing with the key failed: %w", err)
	}
	s.local, s.head = js, compact[:strings.IndexByte(compact, '.')]
	return s, nil
}

// remoteSigner is a go-jose signer for the remote key, with ctx for a key
// that takes one: go-jose's OpaqueSigner takes no context, so it travels in
// a signer made for each signature. Next to a remote call, making it costs
// nothing.
func (s *Signer) remoteSigner(ctx context.Context) (jose.Signer, error) {
	return jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: opaque{key: s.remote, ctx: ctx}}, s.opts)
}

// Local reports whether the key is in memory, where a signature takes tens
// of microseconds, as opposed to a remote signer that may take milliseconds.
func (s *Signer) Local() bool { return s.local != nil }

// CheckKey reports whether key can sign ES256: its public key must be a
// P-256 *ecdsa.PublicKey and, for an in-memory key, match its private scalar.
// A key that is not there is refused with the "no private key" error, in
// each of the forms it comes in: a nil interface, a nil pointer inside it
// (the *ecdsa.PrivateKey LoadPrivateKey returns beside its error), and a
// signer whose Public() is nil or panics (a KMS wrapper holding no client).
func CheckKey(key crypto.Signer) error {
	if key == nil {
		return errNoKey
	}
	if v := reflect.ValueOf(key); v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("%w (it holds a nil %T: check the error of the call that made it)", errNoKey, key)
	}
	if k, ok := key.(*ecdsa.PrivateKey); ok {
		return checkECDSA(k)
	}
	pub, err := publicKey(key)
	if err != nil {
		return err
	}
	switch p := pub.(type) {
	case nil:
		return fmt.Errorf("%w (the signer's Public() returned nil)", errNoKey)
	case *ecdsa.PublicKey:
		if p == nil {
			return fmt.Errorf("%w (the signer's Public() is a nil *ecdsa.PublicKey)", errNoKey)
		}
		if p.Curve != elliptic.P256() {
			return fmt.Errorf("the signer's key is on curve %s; ES256 needs P-256", curveName(p.Curve))
		}
		return nil
	default:
		return fmt.Errorf("the signer's public key is a %T; ES256 needs a P-256 *ecdsa.PublicKey", pub)
	}
}

// errNoKey is the error for a key that is not there.
var errNoKey = errors.New("no private key: set Config.PrivateKey, e.g. from LoadPrivateKey(\"AuthKey_KEYID.p8\")")

// publicKey calls key.Public(), turning a panic (a signer that holds no
// key, its methods reaching through a nil field) into the "no private key"
// error rather than a crash in a constructor.
func publicKey(key crypto.Signer) (pub crypto.PublicKey, err error) {
	defer func() {
		if recover() != nil {
			pub, err = nil, fmt.Errorf("%w (the signer's Public() panicked: does it hold a key?)", errNoKey)
		}
	}()
	return key.Public(), nil
}

func checkECDSA(k *ecdsa.PrivateKey) error {
	if k.Curve != elliptic.P256() {
		return fmt.Errorf("the private key is on curve %s; ES256 needs P-256, the curve of App Store Connect's .p8 keys", curveName(k.Curve))
	}
	priv, err := k.ECDH()
	if err != nil {
		return errors.New("the private key is not a valid P-256 key; load it with ParsePrivateKey or LoadPrivateKey")
	}
	pub, err := k.PublicKey.ECDH()
	if err != nil || !priv.PublicKey().Equal(pub) {
		return errors.New("the private key's public half does not match its private scalar; load it with ParsePrivateKey or LoadPrivateKey")
	}
	return nil
}

func curveName(c elliptic.Curve) string {
	if c == nil || c.Params() == nil {
		return "<none>"
	}
	return c.Params().Name
}

// Sign returns the compact serialization of a JWS over payload. ctx reaches
// only a key that takes a context.
func (s *Signer) Sign(ctx context.Context, payload []byte) (string, error) {
	js := s.local
	if js == nil {
		var err error
		if js, err = s.remoteSigner(ctx); err != nil {
			return "", err
		}
	}
	obj, err := js.Sign(payload)
	if err != nil {
		return "", err
	}
	if s.local == nil {
		return obj.CompactSerialize()
	}
	// An in-memory key's header is always the same: written once (s.head),
	// not serialized again for each token.
	enc := base64.RawURLEncoding
	sig := obj.Signatures[0].Signature
	b := make([]byte, 0, len(s.head)+2+enc.EncodedLen(len(payload))+enc.EncodedLen(len(sig)))
	b = append(b, s.head...)
	b = append(b, '.')
	b = enc.AppendEncode(b, payload)
	b = append(b, '.')
	b = enc.AppendEncode(b, sig)
	return string(b), nil
}

// opaque adapts a crypto.Signer to go-jose's OpaqueSigner: it hashes the
// signing input and converts the ASN.1 DER signature crypto.Signer returns to
// the fixed 64-byte R||S form that JWS requires.
type opaque struct {
	key crypto.Signer
	ctx context.Context // for a contextSigner
}

func (o opaque) Public() *jose.JSONWebKey {
	return &jose.JSONWebKey{Key: o.key.Public(), Algorithm: string(jose.ES256)}
}

func (o opaque) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{jose.ES256} }

func (o opaque) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != jose.ES256 {
		return nil, fmt.Errorf("algorithm %s requested; only ES256 is supported", alg)
	}
	digest := sha256.Sum256(payload)
	var sig []byte
	var err error
	if cs, ok := o.key.(contextSigner); ok {
		sig, err = cs.SignContext(o.ctx, rand.Reader, digest[:], crypto.SHA256)
	} else {
		sig, err = o.key.Sign(rand.Reader, digest[:], crypto.SHA256)
	}
	if err != nil {
		return nil, fmt.Errorf("the signer failed: %w", err)
	}
	raw, err := RawSignature(sig)
	if err != nil {
		return nil, err
	}
	// A remote key costs milliseconds per signature; a local verification is
	// cheap next to that, and turns a signer that answers with another key's
	// signature into a clear error here instead of a 401 from Apple.
	r, s := new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])
	if !ecdsa.Verify(o.key.Public().(*ecdsa.PublicKey), digest[:], r, s) {
		return nil, errors.New("the signer's signature does not verify with its own Public() key; is Public() the key that signs?")
	}
	return raw, nil
}
