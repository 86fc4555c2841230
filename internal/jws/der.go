package jws

import "errors"

// signatureSize is the length of an ES256 signature in JWS: R and S as 32-byte
// big-endian integers.
const signatureSize = 64

var errDER = errors.New("the signer returned a signature that is neither ASN.1 DER (ECDSA-Sig-Value) nor 64-byte R||S")

// RawSignature converts an ECDSA signature from the ASN.1 DER form that
// crypto.Signer returns, SEQUENCE { INTEGER r, INTEGER s }, to R||S. Some
// PKCS#11 and KMS wrappers already return R||S; 64 bytes that are not DER are
// passed through.
func RawSignature(sig []byte) ([]byte, error) {
	r, s, ok := parseDER(sig)
	if !ok {
		if len(sig) == signatureSize {
			return sig, nil
		}
		return nil, errDER
	}
	out := make([]byte, signatureSize)
	copy(out[32-len(r):32], r)
	copy(out[64-len(s):], s)
	return out, nil
}

// parseDER reads SEQUENCE { INTEGER r, INTEGER s } with short-form lengths
// (a P-256 signature is at most 72 bytes) and returns r and s without leading
// zeros, each at most 32 bytes.
func parseDER(sig []byte) (r, s []byte, ok bool) {
	if len(sig) < 8 || sig[0] != 0x30 || int(sig[1]) != len(sig)-2 || sig[1] >= 0x80 {
		return nil, nil, false
	}
	rest := sig[2:]
	if r, rest, ok = parseInt(rest); !ok {
		return nil, nil, false
	}
	if s, rest, ok = parseInt(rest); !ok || len(rest) != 0 {
		return nil, nil, false
	}
	return r, s, true
}

func parseInt(b []byte) (n, rest []byte, ok bool) {
	if len(b) < 3 || b[0] != 0x02 || b[1] >= 0x80 || int(b[1]) > len(b)-2 || b[1] == 0 {
		return nil, nil, false
	}
	n, rest = b[2:2+b[1]], b[2+b[1]:]
	if n[0]&0x80 != 0 { // negative: not a valid r or s
		return nil, nil, false
	}
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	if len(n) == 0 || len(n) > 32 {
		return nil, nil, false
	}
	return n, rest, true
}
