// Package keyparse turns the many shapes in which people store an App Store
// Connect private key into an *ecdsa.PrivateKey on curve P-256, and holds
// the name of Apple's key download, AuthKey_<KEYID>.p8 ([FileName],
// [KeyIDOfFile]).
//
// Keys arrive as Apple's .p8 file (PKCS#8 PEM), as OpenSSL's SEC1 "EC PRIVATE
// KEY" PEM, as the bare base64 body pasted into a CI secret, as base64 of the
// whole .p8 file, with CRLF line ends, or with literal `\n` sequences from JSON
// and env files. Everything else is refused with an error that says what the
// data is and what is expected. No error ever contains bytes of the input: a
// key that is almost right is still a secret.
package keyparse

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MaxSize bounds the input: an Apple .p8 file is about 250 bytes, so anything
// this large is not a key, and refusing it early keeps parsing cheap.
const MaxSize = 64 << 10

const expected = "expected an App Store Connect .p8 file (-----BEGIN PRIVATE KEY-----), or its base64 body"

// Parse returns the P-256 private key in data.
func Parse(data []byte) (*ecdsa.PrivateKey, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%d bytes is too large to be a private key; %s", len(data), expected)
	}
	text := normalize(data)
	if len(text) == 0 {
		return nil, errors.New("the key is empty; " + expected)
	}
	if bytes.Contains(text, []byte("-----BEGIN")) {
		return parsePEM(text)
	}
	der, ok := decodeBase64(text)
	if !ok {
		if data[0] == 0x30 { // an ASN.1 SEQUENCE: a binary DER file
			return parseDER(data)
		}
		return nil, errors.New("the key is neither PEM nor base64; " + expected)
	}
	// CI secrets often hold base64 of the whole .p8 file, BEGIN line included
	// (fastlane's is_key_content_base64).
	if inner := bytes.TrimSpace(der); bytes.HasPrefix(inner, []byte("-----BEGIN")) {
		return parsePEM(normalize(inner))
	}
	return parseDER(der)
}

// normalize undoes what transport through files, shells, JSON and YAML does to
// a PEM text: a byte order mark, surrounding white space and quotes, CRLF line
// ends, and line breaks written as the two characters `\n`.
func normalize(data []byte) []byte {
	text := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text = bytes.TrimSpace(text)
	if n := len(text); n >= 2 && (text[0] == '"' || text[0] == '\'') && text[n-1] == text[0] {
		text = bytes.TrimSpace(text[1 : n-1])
	}
	if bytes.IndexByte(text, '\\') >= 0 || bytes.IndexByte(text, '\r') >= 0 {
		text = bytes.ReplaceAll(text, []byte(`\r\n`), []byte("\n"))
		text = bytes.ReplaceAll(text, []byte(`\n`), []byte("\n"))
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
		text = bytes.ReplaceAll(text, []byte("\r"), []byte("\n"))
	}
	return text
}

// decodeBase64 decodes text with any white space removed, in either alphabet,
// padded or not.
func decodeBase64(text []byte) ([]byte, bool) {
	compact := bytes.Join(bytes.Fields(text), nil)
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if der, err := enc.DecodeString(string(compact)); err == nil && len(der) > 0 {
			return der, true
		}
	}
	return nil, false
}

// parsePEM finds the first PEM block that is not EC parameters (which
// `openssl ecparam -genkey` writes before the key) and parses it. It scans
// the markers itself rather than using encoding/pem so that a key whose line
// breaks were flattened to spaces, as happens in single-line secrets, still
// parses.
func parsePEM(text []byte) (*ecdsa.PrivateKey, error) {
	rest := text
	for {
		typ, body, after, err := nextBlock(rest)
		if err != nil {
			return nil, err
		}
		rest = after
		switch typ {
		case "EC PARAMETERS":
			continue
		case "PRIVATE KEY", "EC PRIVATE KEY":
			if bytes.Contains(body, []byte("Proc-Type:")) || bytes.Contains(body, []byte("DEK-Info:")) {
				return nil, errEncrypted
			}
			der, ok := decodeBase64(body)
			if !ok {
				return nil, errors.New("the body of the PEM block is not valid base64; the file may be truncated or edited; " + expected)
			}
			return parseDER(der)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errEncrypted
		case "RSA PRIVATE KEY":
			return nil, errRSA
		case "OPENSSH PRIVATE KEY":
			return nil, errors.New("the key is in OpenSSH format, which App Store Connect does not issue; " + expected)
		case "PUBLIC KEY", "EC PUBLIC KEY", "RSA PUBLIC KEY":
			return nil, errPublic
		case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
			return nil, errCertificate
		default:
			// The type is not echoed: an error must not repeat its input.
			return nil, errors.New("the PEM block's type is not one that holds a private key; " + expected)
		}
	}
}

// nextBlock returns the type and body of the first PEM block in text, and the
// text after it.
func nextBlock(text []byte) (typ string, body, rest []byte, err error) {
	const begin, dashes = "-----BEGIN ", "-----"
	i := bytes.Index(text, []byte(begin))
	if i < 0 {
		return "", nil, nil, errors.New("the PEM text holds no private key block; " + expected)
	}
	text = text[i+len(begin):]
	j := bytes.Index(text, []byte(dashes))
	if j < 0 || j > 64 || bytes.IndexByte(text[:j], '\n') >= 0 {
		return "", nil, nil, errors.New("the PEM BEGIN line is malformed; " + expected)
	}
	typ = string(text[:j])
	text = text[j+len(dashes):]
	end := []byte("-----END " + typ + dashes)
	k := bytes.Index(text, end)
	if k < 0 {
		return "", nil, nil, errors.New("the PEM block has no END line; the key may be truncated; " + expected)
	}
	return typ, text[:k], text[k+len(end):], nil
}

// parseDER accepts PKCS#8 (Apple's .p8) and SEC1 encodings and says what any
// other structure is.
func parseDER(der []byte) (*ecdsa.PrivateKey, error) {
	key, pkcs8Err := x509.ParsePKCS8PrivateKey(der)
	if pkcs8Err == nil {
		switch k := key.(type) {
		case *ecdsa.PrivateKey:
			return checkCurve(k)
		case *rsa.PrivateKey:
			return nil, errRSA
		case ed25519.PrivateKey:
			return nil, errEd25519
		case *ecdh.PrivateKey:
			return nil, errors.New("the key is an X25519 key-agreement key, not a signing key; " + needP256)
		default:
			return nil, fmt.Errorf("the key is a %T; %s", key, needP256)
		}
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return checkCurve(k)
	}
	if strings.Contains(pkcs8Err.Error(), "elliptic curve") {
		// Well-formed, on a curve Go does not implement (secp256k1, say).
		return nil, errors.New("the key is on an unsupported elliptic curve; " + needP256)
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return nil, errRSA
	}
	if _, err := x509.ParsePKIXPublicKey(der); err == nil {
		return nil, errPublic
	}
	if _, err := x509.ParseCertificate(der); err == nil {
		return nil, errCertificate
	}
	return nil, errors.New("the key decodes but is not a PKCS#8 or SEC1 private key; " + expected)
}

func checkCurve(k *ecdsa.PrivateKey) (*ecdsa.PrivateKey, error) {
	if k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("the key is on curve %s; %s", k.Curve.Params().Name, needP256)
	}
	return k, nil
}

const needP256 = "App Store Connect signs with ES256, which needs a P-256 elliptic-curve key like the .p8 file it issues"

var (
	errEncrypted   = errors.New("the key is encrypted; App Store Connect issues unencrypted .p8 files, so decrypt it first (openssl pkcs8 -in encrypted.pem -out AuthKey.p8)")
	errRSA         = errors.New("the key is an RSA key; " + needP256)
	errEd25519     = errors.New("the key is an Ed25519 key; " + needP256)
	errPublic      = errors.New("the data is a public key, but signing needs the private key; " + expected)
	errCertificate = errors.New("the data is a certificate, but signing needs the private key; " + expected)
)
