package apnstest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: every server
// and its connections must be closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
