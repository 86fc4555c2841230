package asctest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The App Store Server API's routes (/inApps/...): the same tokens, with a
// bid claim, but its own error shape ("Error codes" in the App Store Server
// API documentation): {"errorCode":4290000,"errorMessage":"..."} with the
// Retry-After of a 429 in UNIX milliseconds, and a 401 that carries no JSON
// at all (clients report it as the text "Unauthenticated").

// storeServerError is the App Store Server API's error body.
type storeServerError struct {
	ErrorCode    int    `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// writeStoreServer401 answers a refused token the way the App Store Server
// API does: 401 and a line of text with a request ID, no JSON. Why the token
// was refused is in Stats.LastRejection and the request log, not here,
// since Apple does not say either.
func writeStoreServer401(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, "Unauthenticated\n\nRequest ID: %s.0.0\n", rand.Text()[:26])
}

// checkAPI refuses a token that the API of the request's path does not
// take, by bid, which "Generating JSON Web Tokens for API requests" (App
// Store Server API) lists as "Your app's bundle ID": the App Store Server
// API requires it, however valid the token is for App Store Connect, and
// App Store Connect answers a token that carries it (an In-App Purchase
// key's: "You can't use the key for other Apple services") with its 401.
func checkAPI(tok *Token, a api) error {
	switch bid := tok.Claims.BundleID; {
	case a == appStoreServer && bid == "":
		return ruleErr(RuleBundleID, "the App Store Server API requires the bid claim, your app's bundle ID; set Config.BundleID")
	case a == appStoreConnect && bid != "":
		return ruleErr(RuleBundleID, "bid belongs to the App Store Server API (/inApps/...) alone; App Store Connect refuses a token that carries it: make App Store Connect tokens without Config.BundleID")
	}
	return nil
}

// routeStoreServer adds the canned App Store Server API routes. Every path
// under storeServerPrefix is that API's: its token needs bid (checkAPI),
// it is counted against its own budget and answers its own 401 and 429. A
// new route is one line here and a handler beside history: read the
// request's verified claims with Parse on its bearer token (the server has
// checked it), and sign the JWS values Apple signs (transactions,
// renewals) with s.signStore.
func (s *Server) routeStoreServer() {
	s.defaults.HandleFunc("GET /inApps/v1/history/{transactionId}", s.history)
	s.defaults.HandleFunc("GET /inApps/v2/history/{transactionId}", s.history)
	s.defaults.HandleFunc(storeServerPrefix, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound) // no such route: no body, as the real API
	})
}

// historyResponse is the "HistoryResponse" of Get Transaction History.
type historyResponse struct {
	Revision           string   `json:"revision"`
	BundleID           string   `json:"bundleId"`
	AppAppleID         int64    `json:"appAppleId"`
	Environment        string   `json:"environment"`
	HasMore            bool     `json:"hasMore"`
	SignedTransactions []string `json:"signedTransactions"`
}

// cannedBundleID is the bundle ID of answers to tokens without a bid claim.
const cannedBundleID = "com.example.app"

// history serves Get Transaction History with one canned transaction,
// signed (ES256, by a key of the server's) as Apple signs them, for clients
// that decode the JWS.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("transactionId")
	if id == "" || len(id) > 20 || strings.Trim(id, "0123456789") != "" {
		writeJSON(w, http.StatusBadRequest, storeServerError{ErrorCode: 4000006, ErrorMessage: "Invalid transaction id."})
		return
	}
	bundleID := cannedBundleID
	if tok, err := Parse(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")); err == nil && tok.Claims.BundleID != "" {
		bundleID = tok.Claims.BundleID // already verified by the server
	}
	now := s.Now().UnixMilli()
	jws, err := s.signStore(map[string]any{
		"transactionId":         id,
		"originalTransactionId": id,
		"bundleId":              bundleID,
		"productId":             bundleID + ".product1",
		"purchaseDate":          now - 86_400_000,
		"originalPurchaseDate":  now - 86_400_000,
		"quantity":              1,
		"type":                  "Consumable",
		"inAppOwnershipType":    "PURCHASED",
		"signedDate":            now,
		"environment":           "Sandbox",
	})
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, historyResponse{
		Revision:           "1_" + id,
		BundleID:           bundleID,
		AppAppleID:         1234567890,
		Environment:        "Sandbox",
		SignedTransactions: []string{jws},
	})
}

// signStore signs payload as a compact ES256 JWS with the server's own
// store key, made on first use. Apple's carry an x5c chain to Apple's root;
// these do not, so a client that checks the chain must be told to skip it.
func (s *Server) signStore(payload any) (string, error) {
	key := s.storeSigner()
	body, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(`{"alg":"ES256"}`)) + "." + enc.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	r, sig, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", err
	}
	raw := make([]byte, 64) // R || S, as JWS wants (RFC 7518 section 3.4)
	r.FillBytes(raw[:32])
	sig.FillBytes(raw[32:])
	return input + "." + enc.EncodeToString(raw), nil
}

// StorePublicKey returns the public key that signs the canned App Store
// Server API transactions, to verify them in a test.
func (s *Server) StorePublicKey() *ecdsa.PublicKey { return &s.storeSigner().PublicKey }

// storeSigner returns the key that signs the canned transactions, made on
// first use so that servers that never serve them pay nothing.
func (s *Server) storeSigner() *ecdsa.PrivateKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.storeKey == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic("asctest: generate key: " + err.Error()) // crypto/rand does not fail
		}
		s.storeKey = k
	}
	return s.storeKey
}
