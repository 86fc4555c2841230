package ascjwt

// How a Config prints: which key and issuer it is for and what its tokens
// may do, and nothing of the key, under every formatter and encoder that may
// reach it.

import (
	"fmt"
	"log/slog"

	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// String describes the configuration without key material, so that a [Config]
// printed with %v or %+v in a log shows which key it uses and nothing secret.
// A field that does not look like what it should hold (a private key pasted
// into KeyID, say) is described, not shown.
func (c Config) String() string {
	return fmt.Sprintf("ascjwt.Config{KeyID:%s IssuerID:%s PrivateKey:%s Audience:%s Lifetime:%s Scope:%s BundleID:%s}",
		configcheck.ShowField(c.KeyID, maxIDLen), configcheck.ShowField(c.IssuerID, maxIDLen), redact.Key(c.PrivateKey), redact.Show(c.Audience, maxIDLen),
		c.Lifetime, redact.ShowList(c.Scope, maxScopeShown), configcheck.ShowField(c.BundleID, maxBundleIDLen))
}

// maxScopeShown is the longest scope entry String shows as it is.
const maxScopeShown = 1024

// Format makes every fmt verb print String: %d or %x on a struct would
// otherwise print its fields, a key pasted into KeyID among them.
// It serves %#v too: fmt asks a Formatter before a GoStringer.
func (c Config) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue shows the configuration to log/slog as String does.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalText encodes the configuration as String does, for every encoder
// that takes text: encoding/json (as a JSON string), slog's handlers and
// encoding/xml.
func (c Config) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// GobEncode encodes the configuration as String does, so that encoding/gob
// does not write the key.
func (c Config) GobEncode() ([]byte, error) { return []byte(c.String()), nil }
