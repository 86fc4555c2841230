package axmtest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: every exchange,
// background or held by a hanging endpoint, must end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
