package exchange

import (
	"context"
	"errors"
	"testing"

	"github.com/ascjwt/ascjwt/internal/token"
)

// fixedSource is a token source that needs no exchange.
type fixedSource struct{ tok token.Token }

func (s *fixedSource) Token(context.Context) (*token.Token, error) { return &s.tok, nil }

// TestCheckedGivesANilSourceForARefusedConfig: a constructor written as
// Checked(cfg.validate, newSource) returns a source that is nil as an
// interface when the Config is refused (a nil pointer inside it would pass
// a caller's src != nil check), and makes nothing.
func TestCheckedGivesANilSourceForARefusedConfig(t *testing.T) {
	refused := errors.New("axm: Config.KeyID is empty")
	made := 0
	newSource := func(string) *fixedSource { made++; return &fixedSource{} }
	src, err := Checked(func() (string, error) { return "", refused }, newSource)
	if src != nil || !errors.Is(err, refused) || made != 0 {
		t.Fatalf("refused: source %v (nil: %t), error %v, made %d; want a nil source, the check's error, nothing made", src, src == nil, err, made)
	}
	src, err = Checked(func() (string, error) { return "checked", nil }, newSource)
	if err != nil || src == nil || made != 1 {
		t.Fatalf("checked: source %v, error %v, made %d; want one source and no error", src, err, made)
	}
}
