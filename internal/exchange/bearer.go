package exchange

import (
	"context"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt/internal/token"
)

// Endpoint is what an API package says of its token endpoint: its name
// in errors, what a request carries, the shape of the responses, and what a
// refusal usually means there.
type Endpoint struct {
	Package    string                               // "maps", "axm"
	Credential string                               // "JWT", "assertion"
	Format     Format                               // OAuth, Maps
	Hint       func(status int, code string) string // see Config.Hint
}

// NewBearer returns a Source of the bearer tokens maps and axm hand the
// Transport: each exchanged at e by request, sent with client on the clock
// now, made with its Authorization value once (token.New), and told to
// hooks as keyID's.
func NewBearer(e Endpoint, client *http.Client, now func() time.Time, hooks *token.Hooks, keyID string,
	request func(ctx context.Context, now time.Time) (Attempt, error)) *Source[token.Token] {
	return New(Config[token.Token]{
		Package:    e.Package,
		Credential: e.Credential,
		Format:     e.Format,
		Hint:       e.Hint,
		Client:     client,
		Now:        now,
		Request:    request,
		Make:       token.New,
		Value:      func(t *token.Token) string { return t.Value },
		Minted:     token.Minted(hooks, keyID),
		Failed:     token.Failed(hooks, keyID),
	})
}

// Checked returns build's source for the settings check returns, or check's
// error alone, so that an API package's constructor of exchanged tokens is
// one line, as devtoken.Checked makes one of developer tokens:
//
//	return exchange.Checked(cfg.validate, newSource)
//
// A refused Config gives a nil source, never a nil pointer inside a
// non-nil interface.
func Checked[S any, T token.Source](check func() (S, error), build func(S) T) (token.Source, error) {
	set, err := check()
	if err != nil {
		return nil, err
	}
	return build(set), nil
}
