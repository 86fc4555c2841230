package signinwithapple_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/url"

	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// Example exchanges an authorization code for tokens with net/http: the
// secret from the source is the client_secret form field. Against Apple,
// the config holds your key, Team ID and Services ID (or bundle ID), and the
// URL is signinwithapple.TokenURL; here a fake on loopback stands in.
func Example() {
	srv := signinwithappletest.NewServer() // a fake Apple token endpoint, with a key made in memory
	defer srv.Close()
	code := srv.IssueCode("") // what your app received when the user signed in

	src, err := signinwithapple.NewClientSecretSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	secret, err := src.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	resp, err := srv.Client().PostForm(srv.TokenURL(), url.Values{
		"client_id":     {srv.Config().ClientID},
		"client_secret": {secret.Value},
		"code":          {code},
		"grant_type":    {"authorization_code"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var tokens struct {
		Error     string `json:"error"` // "invalid_client" when Apple refuses the secret
		TokenType string `json:"token_type"`
		ExpiresIn int    `json:"expires_in"`
		IDToken   string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tokens); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, tokens.Error, tokens.TokenType, tokens.ExpiresIn, tokens.IDToken != "")
	// Output: 200 OK  Bearer 3600 true
}
