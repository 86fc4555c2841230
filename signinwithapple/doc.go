// Package signinwithapple is the server side of Sign in with Apple: the
// client secret Apple's token endpoint asks for, the exchange of an
// authorization code for tokens, refresh and revocation ([Client]), and the
// verification of what Apple signs, identity tokens and server-to-server
// notifications ([Verifier]).
//
//	secrets, err := signinwithapple.NewClientSecretSource(signinwithapple.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", ClientID: "com.example.app", PrivateKey: key})
//	verifier, err := signinwithapple.NewVerifier(signinwithapple.VerifierConfig{ClientIDs: []string{"com.example.app"}})
//	client, err := signinwithapple.NewClient(secrets, signinwithapple.ClientConfig{ClientID: "com.example.app", Verifier: verifier})
//	id, err := verifier.VerifyIDToken(ctx, idToken, signinwithapple.VerifyOptions{Nonce: nonce}) // what the app sent
//	tokens, err := client.Exchange(ctx, code, "")                                                 // keep tokens.RefreshToken
//	err = client.Revoke(ctx, refreshToken, signinwithapple.RefreshTokenHint)                      // when the user deletes their account
//
// # Identity tokens and notifications
//
// [Verifier.VerifyIDToken] follows Apple's "Verifying a user": an RS256
// signature by the key its kid names in Apple's key set ("Fetch Apple's
// public key for verifying token signature"), "iss" [Issuer], "aud" one of
// [VerifierConfig].ClientIDs, "exp" not past and "iat" not ahead, with a
// minute of leeway and no more, and the nonce when one is given (compared
// in constant time). It decodes the claims of "Authenticating users with
// Sign in with Apple" into an [IDToken], reading email_verified and
// is_private_email as booleans or as the strings "true" and "false", both
// of which Apple sends. [Verifier.VerifyNotification] reads the POST body of
// "Processing changes for Sign in with Apple accounts", verifies its token
// the same way and decodes its events. Each refusal names the rule it broke
// and wraps [ErrInvalidToken]; no error quotes a token.
//
// The key set is fetched when first needed, once however many callers ask,
// and kept for as long as its response's Cache-Control max-age says (a day
// when it says nothing). A token whose kid is not in it makes the Verifier
// fetch the set again, at most once a minute by its clock, so that a flood
// of forged kids does not become a flood of requests to Apple. A fetch that
// fails keeps the set held, each fetch is bounded at 10 seconds, and a
// token whose key is held never waits past its context for a refresh.
//
// # Code exchange, refresh and revocation
//
// [Client] posts Apple's form fields to "Generate and validate tokens"
// (/auth/token) and "Revoke tokens" (/auth/revoke), with a client secret
// from [NewClientSecretSource]. Apple's ErrorResponse comes back as a
// [*TokenError] whose message names the code and its usual cause, and never
// a secret, code or token; after invalid_client the secret is dropped so
// that the next request signs a new one. Apple requires apps that let users
// delete their account to revoke their tokens: call [Client.Revoke] then.
//
// # The client secret
//
// Apple's "Creating a client secret" (Sign in with Apple REST API) gives the
// secret's shape, and [NewClientSecretSource] makes exactly that and nothing
// more:
//
//   - header: "alg" "ES256" and "kid", the 10-character ID of the key
//     ([Config].KeyID); no "typ", which Apple does not show;
//   - claims: "iss", the 10-character Team ID ([Config].TeamID); "iat";
//     "exp", which "must not be greater than 15777000 (6 months in seconds)"
//     past the server's current time ([MaxLifetime]); "aud"
//     "https://appleid.apple.com" ([Audience]); and "sub", the client ID
//     ([Config].ClientID), "the same value as client_id": the Services ID
//     for the web, the bundle ID for an app, used exactly as written, case
//     included. No "scope", "nbf" or "jti".
//
// Every limit is checked by [NewClientSecretSource], with an error that says
// the limit and where it comes from, rather than by Apple later with an
// "invalid_client" that does not say why ("ErrorResponse").
//
// Apple's "Generate and validate tokens" (the Token validation endpoint,
// [TokenURL]) takes the secret as the client_secret form field of a POST
// with client_id, code, grant_type ("authorization_code" or
// "refresh_token") and, for the web, redirect_uri. It answers a
// TokenResponse (access_token, token_type "Bearer", expires_in, id_token,
// refresh_token) or an ErrorResponse ({"error":"invalid_client"} and the
// like).
//
// # Using the secret
//
// The secret is a form field, not a bearer token: a [Client] sends it, or
// call Token and put Value in client_secret, with net/http (the package
// Example) or golang.org/x/oauth2, whose oauth2.Config takes it as ClientSecret with
// AuthStyle oauth2.AuthStyleInParams (the xoauth2 module of this repository
// has that example): Apple lists client_secret among the form parameters,
// and documents no Authorization header. Do
// not give the source to [ascjwt.Transport]: it names no host for its
// tokens ([ascjwt.HostScoped]), so a Transport that is given it by mistake
// sends the secret nowhere but loopback. When Apple answers
// "invalid_client", InvalidateToken (the source is an [ascjwt.Invalidator])
// makes the next call sign a new secret, at most once a minute: the usual
// causes (a wrong client ID, key or team) are not cured by a new one.
//
// # Lifetime
//
// A secret is sent only to Apple's token endpoint, when a user signs in or a
// refresh token is checked, so it needs no long life: [DefaultLifetime] is
// one hour, which keeps a leaked secret short-lived; [MaxLifetime] is
// Apple's six months. "iat" is set a minute back, so that a server whose
// clock is behind ours does not see a secret from the future, and "exp" is
// iat + Lifetime, a minute less than Lifetime from now, so that even at
// MaxLifetime a server whose clock is up to a minute behind sees "exp"
// within its limit. A secret is replaced in the
// background when a quarter of its lifetime is left, and never handed out in
// its last minute.
//
// Package signinwithappletest is a fake Sign in with Apple server on
// loopback for your own tests: it checks client secrets by these rules,
// signs identity tokens and notifications as Apple does, and serves its key
// set, so that login code runs against it unchanged.
package signinwithapple
