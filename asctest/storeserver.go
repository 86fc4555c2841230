package asctest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ascjwt/ascjwt/internal/storeca"
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
	s.defaults.HandleFunc("GET /inApps/v1/transactions/{transactionId}", s.transactionInfo)
	s.defaults.HandleFunc("POST /inApps/v1/notifications/test", s.requestTestNotification)
	s.defaults.HandleFunc("GET /inApps/v1/notifications/test/{testNotificationToken}", s.testNotificationStatus)
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
// signed as Apple signs them (see signStore).
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	id, ok := transactionID(w, r)
	if !ok {
		return
	}
	bundleID := tokenBundleID(r)
	jws, err := s.signStore(s.cannedTransaction(id, bundleID))
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, historyResponse{
		Revision:           "1_" + id,
		BundleID:           bundleID,
		AppAppleID:         cannedAppAppleID,
		Environment:        "Sandbox",
		SignedTransactions: []string{jws},
	})
}

// cannedAppAppleID is the App Apple ID of the canned answers.
const cannedAppAppleID = 1234567890

// transactionID reads the path's transaction ID, answering Apple's 400 for
// one that is not a number.
func transactionID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("transactionId")
	if id == "" || len(id) > 20 || strings.Trim(id, "0123456789") != "" {
		writeJSON(w, http.StatusBadRequest, storeServerError{ErrorCode: 4000006, ErrorMessage: "Invalid transaction id."})
		return "", false
	}
	return id, true
}

// tokenBundleID is the bid of the request's token, which the server has
// verified, or cannedBundleID.
func tokenBundleID(r *http.Request) string {
	if tok, err := Parse(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")); err == nil && tok.Claims.BundleID != "" {
		return tok.Claims.BundleID
	}
	return cannedBundleID
}

// cannedTransaction is the transaction the canned routes sign for id, in
// the sandbox, on the server's clock.
func (s *Server) cannedTransaction(id, bundleID string) map[string]any {
	now := s.Now().UnixMilli()
	return map[string]any{
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
	}
}

// signStore signs payload as the App Store does: a compact ES256 JWS whose
// x5c holds the chain of the server's test CA (see [Server.Roots]), with
// Apple's OIDs on the leaf and intermediate, so that a verifier given the
// test root (appstore's, or Apple's own library) accepts it.
func (s *Server) signStore(payload any) (string, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	return s.storeCA().Sign(body)
}

// StorePublicKey returns the public key that signs the canned App Store
// Server API transactions and notifications, the leaf of the chain their
// x5c carries, to verify a signature in a test. A verifier of the whole
// chain takes [Server.Roots].
func (s *Server) StorePublicKey() *ecdsa.PublicKey {
	return s.storeCA().LeafKey().Public().(*ecdsa.PublicKey)
}

// Roots returns the root of the test CA that signs the App Store Server
// API's transactions and notifications, for appstore.VerifierConfig.Roots
// (or Apple's SignedDataVerifier, as DER). Apple's root does not trust it.
func (s *Server) Roots() []*x509.Certificate { return s.storeCA().Roots() }

// storeCA returns the CA that signs the canned answers, made on first use
// so that servers that never serve them pay nothing.
func (s *Server) storeCA() *storeca.CA {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store.ca == nil {
		s.store.ca = storeca.New()
	}
	return s.store.ca
}
