// Package bench holds the benchmarks of issue 5, which set package ascjwt
// beside golang.org/x/oauth2, github.com/golang-jwt/jwt/v5 and the floor that
// any implementation must pay. It is a module of its own so that the
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
