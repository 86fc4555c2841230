package signinwithapple

import (
	"fmt"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// Format makes every fmt verb print String: %d or %x on a struct would
// otherwise print its fields, a signer held by value among them.
// It serves %#v too: fmt asks a Formatter before a GoStringer.
func (c Config) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }
