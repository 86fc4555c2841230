package appstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
)

// notificationHandler is what a server mounts at the URL it gives App
// Store Connect for App Store Server Notifications V2.
func notificationHandler(v *appstore.Verifier, handle func(*appstore.Notification) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			SignedPayload string `json:"signedPayload"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(w, "the body is not {\"signedPayload\": ...}", http.StatusBadRequest)
			return
		}
		n, err := v.VerifyNotification(r.Context(), body.SignedPayload)
		switch {
		case errors.Is(err, appstore.ErrRetryable):
			// An OCSP check could not be made: a 5xx makes the App Store
			// send the notification again later.
			http.Error(w, "try again later", http.StatusInternalServerError)
			return
		case err != nil:
			http.Error(w, "not a notification from the App Store for this app", http.StatusBadRequest)
			return
		}
		if err := handle(n); err != nil {
			http.Error(w, "try again later", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK) // delivered: the App Store stops sending it
	})
}

// A notification handler, tested end to end: appstoretest signs a DID_RENEW
// with its transaction the way the App Store does, delivers it as the App
// Store does, and the handler verifies it. In production the verifier's
// Roots is nil, which trusts Apple Root CA - G3 alone.
func Example_notificationHandler() {
	ca := appstoretest.NewCA()
	v, err := appstore.NewVerifier(appstore.VerifierConfig{
		BundleID:    "com.example.app",
		Environment: appstore.Sandbox,
		Roots:       ca.Roots(), // the test root; nil in production
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(notificationHandler(v, func(n *appstore.Notification) error {
		tx := n.Data.Transaction
		fmt.Println(n.NotificationType, tx.ProductID, "until", tx.ExpiresDate.Format(time.DateOnly))
		return nil
	}))
	defer srv.Close()

	now := time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)
	signed, err := ca.SignNotification(appstore.Notification{
		NotificationType: appstore.NotificationDidRenew,
		NotificationUUID: "9ad56bd2-0bc6-42e0-af24-fd996d87a1e6",
		Version:          "2.0",
		SignedDate:       now,
		Data: &appstore.NotificationData{
			BundleID:    "com.example.app",
			Environment: appstore.Sandbox,
			Transaction: &appstore.Transaction{
				TransactionID: "2000000987654321", OriginalTransactionID: "2000000123456789",
				BundleID: "com.example.app", ProductID: "com.example.app.monthly",
				PurchaseDate: now, ExpiresDate: now.AddDate(0, 1, 0),
				Environment: appstore.Sandbox, SignedDate: now,
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := appstoretest.Post(context.Background(), srv.Client(), srv.URL, signed)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode)

	// The same notification from another CA is refused.
	forged, _ := appstoretest.NewCA().SignNotification(appstore.Notification{
		NotificationType: appstore.NotificationTest,
		Data:             &appstore.NotificationData{BundleID: "com.example.app", Environment: appstore.Sandbox},
	})
	resp, _ = appstoretest.Post(context.Background(), srv.Client(), srv.URL, forged)
	fmt.Println(resp.StatusCode)
	// Output:
	// DID_RENEW com.example.app.monthly until 2025-11-01
	// 200
	// 400
}
