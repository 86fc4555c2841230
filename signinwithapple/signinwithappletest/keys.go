package signinwithappletest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// publishedKeys is how many keys the key set holds: the one that signs and
// those before it, so that tokens signed before a rotation still verify,
// as Apple's set holds several.
const publishedKeys = 3

// rsaBits is the size of the server's keys, as Apple's are.
const rsaBits = 2048

// appleKey is one of the server's signing keys, in the place of Apple's.
type appleKey struct {
	kid string
	key *rsa.PrivateKey
}

// signer returns the key that signs now, making the first one on first
// use: an RSA key takes a moment to make, and many tests never need one.
func (s *Server) signer() *appleKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.apple) == 0 {
		s.apple = append(s.apple, newAppleKey())
	}
	return s.apple[len(s.apple)-1]
}

func newAppleKey() *appleKey {
	k, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		panic("signinwithappletest: generate an RSA key: " + err.Error()) // crypto/rand does not fail
	}
	return &appleKey{kid: fakeserver.NewID(), key: k}
}

// RotateKeys makes a new key, publishes it in the key set and signs with
// it from now on, as Apple rotates its keys; the last few before it stay
// in the set, so that tokens they signed still verify.
func (s *Server) RotateKeys() {
	k := newAppleKey()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apple = append(s.apple, k)
	if len(s.apple) > publishedKeys {
		s.apple = s.apple[len(s.apple)-publishedKeys:]
	}
}

// IDTokenKey is the public key the server signs with now, which the key
// set names by [Server.IDTokenKeyID].
func (s *Server) IDTokenKey() *rsa.PublicKey { return &s.signer().key.PublicKey }

// IDTokenKeyID is the kid of the key the server signs with now.
func (s *Server) IDTokenKeyID() string { return s.signer().kid }

// jwk is one key of a JSON Web Key Set, as Apple's /auth/keys writes it.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// keys serves the key set.
func (s *Server) keys(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "the key set takes GET", http.StatusMethodNotAllowed)
		return
	}
	s.signer() // a set is never empty
	s.mu.Lock()
	s.stats.KeyFetches++
	set := make([]jwk, 0, len(s.apple))
	for i := len(s.apple) - 1; i >= 0; i-- { // the newest first
		k := s.apple[i]
		set = append(set, jwk{Kty: "RSA", Kid: k.kid, Use: "sig", Alg: "RS256",
			N: b64(k.key.N.Bytes()), E: b64(big.NewInt(int64(k.key.E)).Bytes())})
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string][]jwk{"keys": set})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Sign signs claims as Apple signs its tokens (RS256, header kid and alg,
// with the key the server signs with now), whatever they hold: for tests
// of how a server treats a token Apple would not send, such as one for
// another audience or long expired.
func (s *Server) Sign(claims map[string]any) string {
	k := s.signer()
	head, _ := json.Marshal(struct {
		Kid string `json:"kid"`
		Alg string `json:"alg"`
	}{k.kid, "RS256"})
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("signinwithappletest: Sign: the claims do not encode as JSON: " + err.Error())
	}
	input := b64(head) + "." + b64(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.key, crypto.SHA256, digest[:])
	if err != nil {
		panic("signinwithappletest: RSA signing failed: " + err.Error()) // crypto/rand failed
	}
	return input + "." + b64(sig)
}

// idToken makes the identity token of a sign-in, with Apple's claims for
// a and extra (c_hash or at_hash).
func (s *Server) idToken(clientID string, a Authorization, now time.Time, extra map[string]any) string {
	c := map[string]any{
		"iss": "https://appleid.apple.com", "aud": clientID, "sub": a.Subject,
		"iat": now.Unix(), "exp": now.Add(IDTokenLifetime).Unix(), "auth_time": now.Unix(),
		"nonce_supported": true,
	}
	if a.Nonce != "" {
		c["nonce"] = a.Nonce
	}
	if a.Email != "" {
		c["email"] = a.Email
		c["email_verified"] = flag(true, a.BooleanFlags)
		c["is_private_email"] = flag(a.IsPrivateEmail, a.BooleanFlags)
	}
	if a.RealUserStatus != 0 {
		c["real_user_status"] = a.RealUserStatus
	}
	if a.TransferSubject != "" {
		c["transfer_sub"] = a.TransferSubject
	}
	for k, v := range extra {
		c[k] = v
	}
	return s.Sign(c)
}

// flag writes one of Apple's flags as a boolean, or as the string Apple
// long sent.
func flag(v, asBool bool) any {
	if asBool {
		return v
	}
	if v {
		return "true"
	}
	return "false"
}

// halfHash is OpenID Connect's at_hash or c_hash of value: the left half of
// its SHA-256, base64url.
func halfHash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return b64(sum[:len(sum)/2])
}
