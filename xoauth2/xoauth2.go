package xoauth2

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/oauth2"

	"github.com/ascjwt/ascjwt"
)

// TokenSource returns an [oauth2.TokenSource] that hands out src's tokens as
// bearer tokens with their expiry. src caches and refreshes them itself, so
// do not wrap the result in oauth2.ReuseTokenSource: that adds a lock to
// every call and nothing else. x/oauth2's Token takes no context, so src is
// asked with [context.Background]; call src directly where a context
// matters.
func TokenSource(src ascjwt.TokenSource) oauth2.TokenSource {
	return toOAuth2{src}
}

type toOAuth2 struct{ src ascjwt.TokenSource }

func (t toOAuth2) Token() (*oauth2.Token, error) {
	if t.src == nil {
		return nil, errNilSource
	}
	tok, err := t.src.Token(context.Background())
	if err != nil {
		return nil, fmt.Errorf("xoauth2: %w", err)
	}
	if tok == nil {
		return nil, errNoToken
	}
	return &oauth2.Token{AccessToken: tok.Value, TokenType: "Bearer", Expiry: tok.Expiry}, nil
}

var (
	errNilSource = errors.New("xoauth2: the token source is nil; pass one from NewTokenSource")
	errNoToken   = errors.New("xoauth2: the token source returned neither a token nor an error")
)

// FromOAuth2 returns an [ascjwt.TokenSource] that hands out ts's access
// tokens, so that [ascjwt.Transport] and [ascjwt.NewClient] serve any
// x/oauth2 source with their host rule, redirect rule, 429 handling and
// hooks. Pass a source that caches (oauth2.ReuseTokenSource, or what
// oauth2.Config.TokenSource returns): FromOAuth2 asks ts on every request.
// A token of another type than Bearer is refused, since the Transport
// sends "Bearer". x/oauth2 cannot be told that a server refused a token, so
// the Transport hands a 401 back untried.
//
// x/oauth2's Token takes no context: a caller's context is checked before
// ts is asked, and a call already made is not cut short.
func FromOAuth2(ts oauth2.TokenSource) ascjwt.TokenSource {
	return &fromOAuth2{ts: ts}
}

type fromOAuth2 struct {
	ts   oauth2.TokenSource
	last atomic.Pointer[converted] // the last token converted, reused while ts returns it
}

// converted is an x/oauth2 token and the ascjwt Token made of it: a source
// that caches returns the same *oauth2.Token until it expires, and then so
// does FromOAuth2, with no allocation.
type converted struct {
	from *oauth2.Token
	to   ascjwt.Token
}

func (f *fromOAuth2) Token(ctx context.Context) (*ascjwt.Token, error) {
	if f.ts == nil {
		return nil, errNilOAuth2
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("xoauth2: no token: %w", err)
	}
	t, err := f.ts.Token()
	if err != nil {
		return nil, fmt.Errorf("xoauth2: the x/oauth2 source failed: %w", err)
	}
	if t == nil || t.AccessToken == "" {
		return nil, errEmptyOAuth2
	}
	if c := f.last.Load(); c != nil && c.from == t {
		return &c.to, nil
	}
	if typ := t.Type(); !strings.EqualFold(typ, "Bearer") {
		return nil, fmt.Errorf("xoauth2: the x/oauth2 source gave a token of type %q; ascjwt.Transport sends only Bearer tokens", short(typ))
	}
	c := &converted{from: t, to: ascjwt.Token{Value: t.AccessToken, Expiry: t.Expiry}}
	f.last.Store(c)
	return &c.to, nil
}

var (
	errNilOAuth2   = errors.New("xoauth2: the x/oauth2 token source is nil")
	errEmptyOAuth2 = errors.New("xoauth2: the x/oauth2 source returned no access token")
)

// short keeps a token type that is not Bearer from carrying a long value
// into an error: a type is a word, and anything longer is described.
func short(s string) string {
	if len(s) > 16 {
		return fmt.Sprintf("<%d bytes>", len(s))
	}
	return s
}
