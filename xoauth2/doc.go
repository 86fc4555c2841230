// Package xoauth2 is where ascjwt meets golang.org/x/oauth2, in a module of
// its own so that x/oauth2 never becomes a dependency of ascjwt itself. For
// now it holds examples only: [Example_signInWithApple] exchanges a Sign in
// with Apple authorization code with oauth2.Config, the client secret coming
// from signinwithapple.NewClientSecretSource.
package xoauth2
