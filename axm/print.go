package axm

// How a Config prints: which key and API account it is for, and nothing of
// the key, under every formatter and encoder that may reach it.

import (
	"fmt"
	"log/slog"

	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// String describes the configuration without key material, so that a
// [Config] printed with any verb or logged shows which account it uses and
// nothing secret. A field that does not look like what it should hold (a
// private key pasted into KeyID, say) is described, not shown.
func (c Config) String() string {
	return fmt.Sprintf("axm.Config{KeyID:%s ClientID:%s PrivateKey:%s Scope:%s TokenURL:%s Audience:%s AssertionLifetime:%s}",
		showField(c.KeyID, maxKeyIDLen), showField(c.ClientID, maxClientIDLen), redact.Key(c.PrivateKey), redact.Show(c.Scope, maxClientIDLen),
		redact.Show(c.TokenURL, maxURLLen), redact.Show(c.Audience, maxURLLen), c.AssertionLifetime)
}

// showField shows an ID that [NewTokenSource] would accept, and describes
// any other. It is axm's own, not [configcheck.ShowField], since axm's
// checkField also refuses a space inside a value.
func showField(value string, max int) string {
	return configcheck.Show(value, checkField("", value, max, "") == nil)
}

// Format makes every fmt verb print String: %d or %x on a struct would
// otherwise print its fields, a signer held by value among them.
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
