package exchange

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: an exchange
// ends with its response, its timeout, or the last caller giving up.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
