package signinwithapple_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// Example_loginHandler is the server side of Sign in with Apple for an app:
// a login handler that verifies the identity token the app sends, exchanges
// the authorization code for a refresh token, and keeps it; and an account
// deletion handler that revokes it, as Apple requires. Against Apple, the
// configs are VerifierConfig{ClientIDs: []string{"com.example.app"}} and
// ClientConfig{ClientID: "com.example.app", Verifier: verifier}, with your
// key in the Config of the client secret; here a fake stands in.
func Example_loginHandler() {
	apple := signinwithappletest.NewServer() // Apple on loopback, for the example
	defer apple.Close()

	secrets, err := signinwithapple.NewClientSecretSource(apple.Config())
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := signinwithapple.NewVerifier(apple.VerifierConfig())
	if err != nil {
		log.Fatal(err)
	}
	client, err := signinwithapple.NewClient(secrets, apple.ClientConfig(verifier))
	if err != nil {
		log.Fatal(err)
	}

	var mu sync.Mutex
	refreshTokens := map[string]string{} // user ID -> refresh token; your database

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// The app posts what Sign in with Apple gave it, and the nonce it
		// put in the authorization request.
		id, err := verifier.VerifyIDToken(r.Context(), r.FormValue("id_token"), signinwithapple.VerifyOptions{Nonce: r.FormValue("nonce")})
		switch {
		case errors.Is(err, signinwithapple.ErrInvalidToken):
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		case err != nil: // Apple's keys could not be fetched: try again later
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		tokens, err := client.Exchange(r.Context(), r.FormValue("code"), "") // "": the app's code had no redirect_uri
		if err != nil || tokens.ID.Subject != id.Subject {
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		refreshTokens[id.Subject] = tokens.RefreshToken
		mu.Unlock()
		fmt.Fprintf(w, "signed in; email %s verified: %t", id.Email, id.EmailVerified)
	})
	mux.HandleFunc("POST /delete-account", func(w http.ResponseWriter, r *http.Request) {
		user := r.FormValue("user") // in a real app, from the session
		mu.Lock()
		refresh := refreshTokens[user]
		delete(refreshTokens, user)
		mu.Unlock()
		if err := client.Revoke(r.Context(), refresh, signinwithapple.RefreshTokenHint); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "account deleted")
	})

	// What an app does: the user signs in, the app posts to /login.
	code, idToken := apple.Authorize(signinwithappletest.Authorization{Email: "user@example.com", Nonce: "n-0123456789"})
	post := func(path string, form url.Values) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		mux.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	post("/login", url.Values{"code": {code}, "id_token": {idToken}, "nonce": {"n-0123456789"}})
	// The same identity token replayed into another session's sign-in is
	// refused: its nonce is not that session's.
	fresh, _ := apple.Authorize(signinwithappletest.Authorization{})
	post("/login", url.Values{"code": {fresh}, "id_token": {idToken}, "nonce": {"n-other-session"}})
	post("/delete-account", url.Values{"user": {apple.Subject()}})
	fmt.Println("revoked:", apple.Stats().Revoked)
	// Output:
	// 200 signed in; email user@example.com verified: true
	// 401 not signed in
	// 200 account deleted
	// revoked: 1
}
