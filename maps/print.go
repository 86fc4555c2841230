package maps

// How a Config prints: which key and team it is for, and nothing of the key,
// under every formatter and encoder that may reach it.

import (
	"fmt"
	"log/slog"

	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// String describes the configuration without key material, so that a
// [Config] printed with any verb or logged shows which key it uses and
// nothing secret. A field that does not look like what it should hold (a
// private key pasted into KeyID, say) is described, not shown.
func (c Config) String() string {
	return fmt.Sprintf("maps.Config{KeyID:%s TeamID:%s PrivateKey:%s TokenURL:%s Lifetime:%s}",
		configcheck.ShowID(c.KeyID), configcheck.ShowID(c.TeamID), redact.Key(c.PrivateKey), redact.Show(c.TokenURL, maxURLLen), c.Lifetime)
}

// Format makes every fmt verb print String, so that no verb (%#v, %x, %d)
// reaches the private key.
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
