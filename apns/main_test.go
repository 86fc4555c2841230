package apns

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: background
// refreshes and test servers must end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
