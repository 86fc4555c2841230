package apns_test

import (
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

// Sending a push. The example talks to apnstest, a fake APNs that checks
// tokens by Apple's rules over HTTP/2, so that it runs offline; in your code
// the Config holds your key ID, team ID and the .p8 key
// (ascjwt.LoadPrivateKey), the base client is http.DefaultClient, and the
// URL is apns.ProductionURL or apns.SandboxURL.
func Example() {
	srv := apnstest.NewServer()
	defer srv.Close()

	src, err := apns.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)

	const deviceToken = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"
	for range 3 {
		req, err := http.NewRequest("POST", srv.URL+"/3/device/"+deviceToken, strings.NewReader(`{"aps":{"alert":"Hello"}}`))
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("apns-topic", "com.example.app") // your app's bundle ID
		req.Header.Set("apns-push-type", "alert")
		resp, err := client.Do(req)
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
// fake unregisters one device token to show it.
func ExampleCheckResponse() {
	srv := apnstest.NewServer()
	defer srv.Close()
	const deviceToken = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"
	srv.Unregister(deviceToken, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))

	src, err := apns.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	req, err := http.NewRequest("POST", srv.URL+"/3/device/"+deviceToken, strings.NewReader(`{"aps":{"alert":"Hello"}}`))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("apns-topic", "com.example.app")
	resp, err := client.Do(req)
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
