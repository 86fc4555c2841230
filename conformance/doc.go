// Package conformance runs clients that ascjwt did not write, in Go and in
// Node, against ascjwt's packages and fakes on loopback, so that a fake
// stricter or laxer than Apple shows up as a failing test. It is a module of
// its own so that its test-only clients never enter the requirements of
// github.com/ascjwt/ascjwt. Its Node half lives in node/ and is installed by
// .ci/run with npm ci; a test that needs Node skips only when node is absent.
package conformance
