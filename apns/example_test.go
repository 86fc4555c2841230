package apns_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/apns/apnstest"
)

// The examples talk to apnstest, a fake APNs that checks tokens by Apple's
// rules over HTTP/2, so that they run offline.

// deviceToken is the token of the device a push goes to, as the app
// received it from APNs.
const deviceToken = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"

// Sending pushes: one token serves them all.
func Example() {
	srv := apnstest.NewServer()
	defer srv.Close()
	client := newPushClient(srv)

	for range 3 {
		resp, err := pushAlert(context.Background(), client, srv.URL, deviceToken)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Proto, resp.Status, "apns-id set:", resp.Header.Get("apns-id") != "")
	}
	st := srv.Stats()
	fmt.Printf("accepted %d, distinct tokens %d\n", st.Accepted, st.Tokens)
	// Output:
	// HTTP/2.0 200 OK apns-id set: true
	// HTTP/2.0 200 OK apns-id set: true
	// HTTP/2.0 200 OK apns-id set: true
	// accepted 3, distinct tokens 1
}

// Reading APNs' refusal: CheckResponse gives an *apns.Error with Apple's
// reason, the apns-id and, for a device token that is gone, since when. The
// fake unregisters the device token to show it.
func ExampleCheckResponse() {
	srv := apnstest.NewServer()
	defer srv.Close()
	srv.Unregister(deviceToken, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))

	resp, err := pushAlert(context.Background(), newPushClient(srv), srv.URL, deviceToken)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()

	var e *apns.Error
	if err := apns.CheckResponse(resp); errors.As(err, &e) && e.Reason == apns.ReasonUnregistered {
		fmt.Println(e.StatusCode, e.Reason, "since", e.Timestamp.Format(time.DateOnly), "- forget the device token")
	}
	// Output:
	// 410 Unregistered since 2026-01-02 - forget the device token
}

// newPushClient makes the client that pushes with tokens: in your code the
// Config holds your key ID, team ID and the .p8 key (ascjwt.LoadPrivateKey),
// and the base client is http.DefaultClient; here both are the fake's.
func newPushClient(srv *apnstest.Server) *http.Client {
	src, err := apns.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	return ascjwt.NewClient(srv.Client(), src)
}

// pushAlert sends an alert notification to deviceToken through client. In
// your code url is apns.ProductionURL or apns.SandboxURL, and the topic is
// your app's bundle ID.
func pushAlert(ctx context.Context, client *http.Client, url, deviceToken string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url+"/3/device/"+deviceToken, strings.NewReader(`{"aps":{"alert":"Hello"}}`))
	if err != nil {
		return nil, err
	}
	req.Header.Set("apns-topic", "com.example.app")
	req.Header.Set("apns-push-type", "alert")
	return client.Do(req)
}
