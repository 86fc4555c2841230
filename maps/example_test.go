package maps_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/maps"
	"github.com/ascjwt/ascjwt/maps/mapstest"
)

// Access tokens for the Maps Server API, through ascjwt's client, here
// against the fake: with Apple, leave TokenURL, Client and Now unset and
// request https://maps-api.apple.com/v1/geocode.
func ExampleNewTokenSource() {
	srv := mapstest.NewServer()
	defer srv.Close()

	src, err := maps.NewTokenSource(srv.Config()) // maps.Config{KeyID: ..., TeamID: ..., PrivateKey: key}
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	resp, err := client.Get(srv.URL + "/v1/geocode?q=1+Apple+Park+Way")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Results []struct{ Name string } `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, answer.Results[0].Name, srv.Stats().Exchanges)
	// Output: 200 Apple Park 1
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
