package redact

import (
	"crypto"
	"fmt"
	"strings"
)

// The API packages' Configs hold a private key, and the Token they make is a
// credential. Each prints through one String that shows what identifies it
// and describes the rest, and routes every other way of printing or
// encoding to that String: fmt's verbs through [Format] below (so that %d
// or %x does not walk into a signer held by value), and log/slog
// (LogValue), encoding/json and encoding/xml (MarshalText) and
// encoding/gob (GobEncode) through one-line methods of its own.

// Format prints s, a value's String, for every fmt verb: %d, %x or %#v on a
// struct would otherwise print its fields, a private key among them. %q
// quotes it.
func Format(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s)
		return
	}
	fmt.Fprint(f, s)
}

// Key names a private key's type and nothing of it: "<nil>", or
// "*ecdsa.PrivateKey(redacted)".
func Key(k crypto.Signer) string {
	if k == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T(redacted)", k)
}

// minSecretPart is the shortest part of a credential that Cut removes: a
// compact JWS's header is not secret and short parts (a "." alone) would cut
// ordinary text.
const minSecretPart = 16

// Cut returns s with every copy of secret, and of each of its dot-separated
// parts of at least 16 bytes, replaced by marker ("<the assertion>"), for
// text a server sent back that may echo the request: an endpoint (or a proxy
// before it) that quotes the JWT it refused, or only its signature, must not
// put a credential into an error.
func Cut(s, secret, marker string) string {
	if secret == "" {
		return s
	}
	s = strings.ReplaceAll(s, secret, marker)
	for _, part := range strings.Split(secret, ".") {
		if len(part) >= minSecretPart {
			s = strings.ReplaceAll(s, part, marker)
		}
	}
	return s
}
