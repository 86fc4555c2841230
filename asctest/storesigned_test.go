package asctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/internal/faketest"
)

// storeCall sends a request with auth to the App Store Server API at url
// and decodes its answer, which must be a 200, into out.
func storeCall(t *testing.T, srv *Server, auth, method, url string, out any) {
	t.Helper()
	resp, body := send(t, srv, method, url, auth, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("%s %s: %s: %v", method, url, body, err)
	}
}

// TestStoreServerTransactionsVerifyAgainstItsRoot checks Get Transaction
// Info and Get Transaction History with package appstore's verifier, given
// the server's root: signed for the token's bundle ID and the path's
// transaction ID, and refused under Apple's root.
func TestStoreServerTransactionsVerifyAgainstItsRoot(t *testing.T) {
	srv := newServer(t)
	auth := bearer(t, srv, withBundleID("com.example.game"))
	v, err := appstore.NewVerifier(appstore.VerifierConfig{BundleID: "com.example.game", Environment: appstore.Sandbox, Roots: srv.Roots()})
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ SignedTransactionInfo string }
	storeCall(t, srv, auth, "GET", srv.URL+"/inApps/v1/transactions/2000000111", &info)
	tx, err := v.VerifyTransaction(context.Background(), info.SignedTransactionInfo)
	if err != nil || tx.TransactionID != "2000000111" || tx.BundleID != "com.example.game" || srv.Now().Sub(tx.SignedDate) > time.Minute {
		t.Fatalf("Get Transaction Info: %+v, %v", tx, err)
	}
	for _, path := range []string{"/inApps/v1/history/2000000222", "/inApps/v2/history/2000000222"} {
		var h struct{ SignedTransactions []string }
		storeCall(t, srv, auth, "GET", srv.URL+path, &h)
		if tx, err := v.VerifyTransaction(context.Background(), h.SignedTransactions[0]); err != nil || tx.TransactionID != "2000000222" {
			t.Errorf("%s: %+v, %v", path, tx, err)
		}
	}
	apple, _ := appstore.NewVerifier(appstore.VerifierConfig{BundleID: "com.example.game", Environment: appstore.Sandbox})
	if _, err := apple.VerifyTransaction(context.Background(), info.SignedTransactionInfo); !errors.Is(err, appstore.ErrInvalidChain) {
		t.Errorf("Apple's root: %v; want ErrInvalidChain", err)
	}
}

// TestRequestTestNotificationDeliversASignedTEST checks Request a Test
// Notification: a TEST notification for the token's bundle ID arrives at
// the notification URL as the App Store sends it, verifies against the
// server's root, and Get Test Notification Status reports it.
func TestRequestTestNotificationDeliversASignedTEST(t *testing.T) {
	srv := newServer(t)
	receiver := faketest.NewReceiver(t, http.StatusOK, "")
	srv.SetNotificationURL(receiver.URL + "/appstore")

	auth := bearer(t, srv, withBundleID("com.example.game"))
	var answer struct{ TestNotificationToken string }
	storeCall(t, srv, auth, "POST", srv.URL+"/inApps/v1/notifications/test", &answer)
	if answer.TestNotificationToken == "" {
		t.Fatal("no testNotificationToken")
	}
	var body struct{ SignedPayload string }
	got := receiver.Last()
	if err := json.Unmarshal(got.Body, &body); err != nil || got.Method != http.MethodPost || got.ContentType != "application/json" {
		t.Fatalf("delivered %s %s %s", got.Method, got.ContentType, got.Body)
	}
	v, _ := appstore.NewVerifier(appstore.VerifierConfig{BundleID: "com.example.game", Environment: appstore.Sandbox, Roots: srv.Roots()})
	n, err := v.VerifyNotification(context.Background(), body.SignedPayload)
	if err != nil || n.NotificationType != appstore.NotificationTest || n.Data.BundleID != "com.example.game" {
		t.Fatalf("the TEST notification: %+v, %v", n, err)
	}

	var status struct {
		SignedPayload          string
		FirstSendAttemptResult string
		SendAttempts           []struct{ SendAttemptResult string }
	}
	storeCall(t, srv, auth, "GET", srv.URL+"/inApps/v1/notifications/test/"+answer.TestNotificationToken, &status)
	if status.SignedPayload != body.SignedPayload || status.FirstSendAttemptResult != "SUCCESS" || len(status.SendAttempts) != 1 {
		t.Errorf("status %+v", status)
	}

	// A receiver that answers 500 is reported so.
	failing := faketest.NewReceiver(t, http.StatusInternalServerError, "")
	srv.SetNotificationURL(failing.URL)
	storeCall(t, srv, auth, "POST", srv.URL+"/inApps/v1/notifications/test", &answer)
	storeCall(t, srv, auth, "GET", srv.URL+"/inApps/v1/notifications/test/"+answer.TestNotificationToken, &status)
	if status.FirstSendAttemptResult != "UNSUCCESSFUL_HTTP_RESPONSE_CODE" {
		t.Errorf("a 500: %s", status.FirstSendAttemptResult)
	}
	if !bytes.Contains(receiver.Last().Body, []byte("signedPayload")) {
		t.Error("lost the first delivery")
	}
}
