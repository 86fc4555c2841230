// Package xoauth2 joins ascjwt and golang.org/x/oauth2 both ways, in a
// module of its own so that x/oauth2 never becomes a dependency of ascjwt
// itself.
//
//   - [TokenSource] gives code built on x/oauth2 (oauth2.NewClient, a
//     generated client that takes an oauth2.TokenSource) the tokens of any
//     ascjwt source: App Store Connect, APNs, MusicKit, Maps.
//   - [FromOAuth2] gives ascjwt's Transport (host rule, redirect rule, 429
//     handling, rate limits, hooks) the tokens of any x/oauth2 source.
//
// [Example_signInWithApple] exchanges a Sign in with Apple authorization
// code with oauth2.Config, the client secret coming from
// signinwithapple.NewClientSecretSource.
package xoauth2
