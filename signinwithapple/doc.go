// Package signinwithapple makes the client secret that Sign in with Apple's
// token endpoint asks for: an ES256 JWT signed with a Sign in with Apple key
// from your developer account, reused for most of its life and replaced with
// one signature however many goroutines ask.
//
//	src, err := signinwithapple.NewClientSecretSource(signinwithapple.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", ClientID: "com.example.web", PrivateKey: key})
//	tok, err := src.Token(ctx) // tok.Value is the client_secret form field
//
// # What Apple asks for
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
// The secret is a form field, not a bearer token: call Token and put Value
// in client_secret, with net/http (the package Example) or
// golang.org/x/oauth2, whose oauth2.Config takes it as ClientSecret with
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
// Package signinwithappletest is a fake token endpoint on loopback that
// checks the secret by these rules, for your own tests.
package signinwithapple
