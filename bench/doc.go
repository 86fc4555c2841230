// Package bench sets package ascjwt beside golang.org/x/oauth2,
// github.com/golang-jwt/jwt/v5 and the plain code that any implementation
// must run (a plain header-adding RoundTripper, the floor of signing). It is a module of its own so that the
// package's go.mod does not require the libraries it is compared with.
//
// Run every benchmark in one invocation, so that the ratios hold on a noisy
// machine (run.sh does this and summarizes with benchstat):
//
//	go test -run '^$' -bench . -benchmem -cpu 1,2 -count 10
//
// Each sub-benchmark is named impl=NAME, so that benchstat -col /impl puts
// the implementations side by side.
package bench
