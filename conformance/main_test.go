package conformance

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: every fake, every
// client's connections and every background refresh must end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
