package asctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/internal/storeca"
)

// storeState is the App Store Server API's signing state: the test CA,
// made on first use, where test notifications go, and the ones sent.
type storeState struct {
	ca        *storeca.CA
	notifyURL string
	sent      map[string]sentNotification // by testNotificationToken
}

// sentNotification is a test notification and how its delivery went.
type sentNotification struct {
	signedPayload string
	attemptDate   int64
	result        string // Apple's sendAttemptResult
}

// notifyTimeout bounds the delivery of a test notification.
const notifyTimeout = 10 * time.Second

// SetNotificationURL sets where Request a Test Notification (POST
// /inApps/v1/notifications/test) delivers its TEST notification, as the
// App Store Server Notifications URL of App Store Connect does: a POST of
// {"signedPayload": ...}, signed as the App Store signs (see
// [Server.Roots]). Empty sends nothing.
func (s *Server) SetNotificationURL(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.notifyURL = url
}

// transactionInfo serves Get Transaction Info: the canned transaction for
// the path's ID, signed.
func (s *Server) transactionInfo(w http.ResponseWriter, r *http.Request) {
	id, ok := transactionID(w, r)
	if !ok {
		return
	}
	jws, err := s.signStore(s.cannedTransaction(id, tokenBundleID(r)))
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		SignedTransactionInfo string `json:"signedTransactionInfo"`
	}{jws})
}

// requestTestNotification serves Request a Test Notification: it signs a
// TEST notification for the token's bundle ID, delivers it to the
// notification URL before answering (so that a test finds it delivered when
// the call returns), and answers its testNotificationToken.
func (s *Server) requestTestNotification(w http.ResponseWriter, r *http.Request) {
	bundleID := tokenBundleID(r)
	now := s.Now()
	token := fakeserver.NewUUID() + "_" + now.Format("20060102150405")
	signed, err := s.signStore(map[string]any{
		"notificationType": "TEST",
		"notificationUUID": fakeserver.NewUUID(),
		"version":          "2.0",
		"signedDate":       now.UnixMilli(),
		"data": map[string]any{
			"bundleId":    bundleID,
			"appAppleId":  cannedAppAppleID,
			"environment": "Sandbox",
		},
	})
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	url := s.store.notifyURL
	s.mu.Unlock()
	result := deliver(r.Context(), url, signed)
	s.mu.Lock()
	if s.store.sent == nil {
		s.store.sent = make(map[string]sentNotification)
	}
	s.store.sent[token] = sentNotification{signedPayload: signed, attemptDate: now.UnixMilli(), result: result}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		TestNotificationToken string `json:"testNotificationToken"`
	}{token})
}

// testNotificationStatus serves Get Test Notification Status.
func (s *Server) testNotificationStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n, ok := s.store.sent[r.PathValue("testNotificationToken")]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, storeServerError{ErrorCode: 4040008, ErrorMessage: "Test notification not found."})
		return
	}
	type attempt struct {
		AttemptDate       int64  `json:"attemptDate"`
		SendAttemptResult string `json:"sendAttemptResult"`
	}
	writeJSON(w, http.StatusOK, struct {
		SignedPayload          string    `json:"signedPayload"`
		FirstSendAttemptResult string    `json:"firstSendAttemptResult"`
		SendAttempts           []attempt `json:"sendAttempts"`
	}{n.signedPayload, n.result, []attempt{{n.attemptDate, n.result}}})
}

// deliver POSTs a notification to url as the App Store does and returns
// Apple's name for how it went: SUCCESS for a 200.
func deliver(ctx context.Context, url, signed string) string {
	if url == "" {
		return "NO_RESPONSE"
	}
	body, _ := json.Marshal(struct {
		SignedPayload string `json:"signedPayload"`
	}{signed})
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "OTHER"
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "TIMED_OUT"
	case err != nil:
		return "NO_RESPONSE"
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "UNSUCCESSFUL_HTTP_RESPONSE_CODE"
	}
	return "SUCCESS"
}
