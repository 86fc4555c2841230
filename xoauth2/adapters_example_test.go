package xoauth2_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"golang.org/x/oauth2"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/xoauth2"
)

// An App Store Connect token source behind x/oauth2's client, for code that
// takes an oauth2.TokenSource.
func ExampleTokenSource() {
	srv := asctest.NewServer() // in your code: ascjwt.AppStoreConnectURL
	defer srv.Close()
	src, err := ascjwt.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	client := oauth2.NewClient(ctx, xoauth2.TokenSource(src))
	resp, err := client.Get(srv.URL + "/v1/apps")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}

// Any x/oauth2 source behind ascjwt's Transport, for its host rule,
// redirect rule and 429 handling.
func ExampleFromOAuth2() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("the API saw:", r.Header.Get("Authorization"))
	}))
	defer api.Close()
	ts := oauth2.ReuseTokenSource(nil, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "access-123", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}))
	client := ascjwt.NewClient(nil, xoauth2.FromOAuth2(ts))
	resp, err := client.Get(api.URL + "/v1/things")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	// Output: the API saw: Bearer access-123
}
