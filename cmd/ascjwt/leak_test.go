package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: demo and api
// start servers, clients and token refreshes, and each must end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
