package signinwithapple

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: a background
// refresh must end with its signature.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
