package xoauth2_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// exchange trades a Sign in with Apple authorization code for tokens with
// x/oauth2. The client secret is taken from src at each exchange, so that a
// secret the source has replaced is never sent; AuthStyleInParams puts it in
// the form, where Apple reads it (not in an Authorization header).
func exchange(ctx context.Context, src ascjwt.TokenSource, conf oauth2.Config, code string) (*oauth2.Token, error) {
	secret, err := src.Token(ctx)
	if err != nil {
		return nil, err
	}
	conf.ClientSecret = secret.Value
	return conf.Exchange(ctx, code)
}

// Example_signInWithApple signs a user in with x/oauth2's Config against a
// fake of Apple's endpoints: AuthCodeURL for the page the user signs in on,
// then Exchange with the client secret from signinwithapple. Against Apple,
// the Endpoint is signinwithapple.AuthURL and signinwithapple.TokenURL and
// the config holds your key, Team ID and Services ID.
func Example_signInWithApple() {
	srv := signinwithappletest.NewServer() // fake appleid.apple.com on loopback
	defer srv.Close()
	cfg := srv.Config() // KeyID, TeamID, ClientID and a key made in memory
	src, err := signinwithapple.NewClientSecretSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	conf := oauth2.Config{
		ClientID: cfg.ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:   srv.AuthURL(),
			TokenURL:  srv.TokenURL(),
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: "https://example.com/signin/callback",
	}

	// The user's browser goes to AuthCodeURL and comes back to RedirectURL
	// with a code; here a client that does not follow the redirect stands
	// in for the browser and the callback handler.
	browser := srv.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := browser.Get(conf.AuthCodeURL("state-1234"))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		log.Fatal(err)
	}
	code := callback.Query().Get("code")

	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client()) // trusts the fake's certificate
	tok, err := exchange(ctx, src, conf, code)
	if err != nil {
		log.Fatal(err) // an *oauth2.RetrieveError with ErrorCode "invalid_client" when Apple refuses the secret
	}
	fmt.Println(callback.Query().Get("state"), tok.TokenType, tok.RefreshToken != "", tok.Extra("id_token") != nil)
	// Output: state-1234 Bearer true true
}
