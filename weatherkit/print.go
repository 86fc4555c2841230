package weatherkit

// How a Config prints: which key, team and Service ID it is for, and nothing
// of the key, under every formatter and encoder that may reach it.

import (
	"fmt"
	"log/slog"

	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// String describes the configuration without key material, so that a
// [Config] printed in a log shows which key it uses and nothing secret. A
// field that does not look like what it should hold is described, not
// shown.
func (c Config) String() string {
	return fmt.Sprintf("weatherkit.Config{KeyID:%s TeamID:%s ServiceID:%s PrivateKey:%s Lifetime:%s}",
		configcheck.ShowID(c.KeyID), configcheck.ShowID(c.TeamID), configcheck.Show(c.ServiceID, checkServiceID(c.ServiceID) == nil), redact.Key(c.PrivateKey), c.Lifetime)
}

// Format makes every fmt verb print String: %d or %x on a struct would
// otherwise print its fields, the private key among them.
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
