package maps_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: a background
// exchange must end with its answer or its timeout.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
