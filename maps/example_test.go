package maps_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/maps"
	"github.com/ascjwt/ascjwt/maps/mapstest"
)

// Access tokens for the Maps Server API, through ascjwt's client, here
// against the fake: with Apple, leave TokenURL, Client and Now unset and
// request https://maps-api.apple.com/v1/geocode. The JWT is exchanged once
// for an access token, which then serves every request until shortly before
// it expires.
func ExampleNewTokenSource() {
	srv := mapstest.NewServer()
	defer srv.Close()

	src, err := maps.NewTokenSource(srv.Config()) // maps.Config{KeyID: ..., TeamID: ..., PrivateKey: key}
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	for _, q := range []string{"1+Apple+Park+Way", "Cupertino"} {
		resp, err := client.Get(srv.URL + "/v1/geocode?q=" + q)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, srv.Stats().Exchanges)
	}
	// Output:
	// 200 1
	// 200 1
}

// MapKit JS tokens for two websites, handed to the page's
// authorizationCallback by a handler that picks the token by the request's
// Origin header.
func ExampleNewJSTokenSource() {
	srv := mapstest.NewServer()
	defer srv.Close()

	js, err := maps.NewJSTokenSource(srv.Config(), "https://www.example.com", "https://maps.example.com")
	if err != nil {
		log.Fatal(err)
	}
	handler := func(w http.ResponseWriter, r *http.Request) {
		tok, err := js.TokenFor(r.Context(), r.Header.Get("Origin"))
		if err != nil {
			http.Error(w, "no token for this origin", http.StatusForbidden)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		fmt.Fprint(w, tok.Value)
	}
	_ = handler // http.HandleFunc("/mapkit-token", handler)

	tok, err := js.TokenFor(context.Background(), "https://maps.example.com")
	if err != nil {
		log.Fatal(err)
	}
	claims, err := srv.Verify(tok.Value, "https://maps.example.com")
	fmt.Println(claims.Origin, err)
	// Output: https://maps.example.com <nil>
}
