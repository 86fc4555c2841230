package signinwithapple

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/jwsread"
	"github.com/ascjwt/ascjwt/internal/redact"
	"github.com/ascjwt/ascjwt/internal/respbody"
	"github.com/ascjwt/ascjwt/internal/safetext"
)

// ClientConfig says which client a [Client] speaks for and where Apple is.
// Only ClientID is required.
type ClientConfig struct {
	// ClientID is the client_id sent: the Services ID (sign-in on the web)
	// or the bundle ID (sign-in in an app), the same as the client
	// secret's Config.ClientID.
	ClientID string
	// BaseURL is where the REST API is; "" means [BaseURL]. Requests go
	// to BaseURL + "/auth/token" and BaseURL + "/auth/revoke". It must be
	// https, or http on loopback (a test server).
	BaseURL string
	// HTTPClient sends the requests; nil means a client with a 10 s
	// timeout. It is used as it is, except that redirects are not
	// followed: the form with the secret goes to BaseURL and nowhere else.
	HTTPClient *http.Client
	// Verifier, when set, verifies the id_token of each response, and
	// must accept ClientID; [Tokens].ID then holds it.
	Verifier *Verifier
}

// Client speaks to Apple's token and revocation endpoints for one client
// ID: it exchanges an authorization code for tokens ([Client.Exchange]),
// checks a refresh token ([Client.Refresh]) and revokes a token
// ([Client.Revoke]), which Apple requires of apps that let users delete
// their account. It is safe for concurrent use.
type Client struct {
	secret    ascjwt.TokenSource
	clientID  string
	tokenURL  string
	revokeURL string
	http      *http.Client
	verifier  *Verifier
}

// NewClient returns a [Client] that authenticates with the client secrets
// of secret, a source from [NewClientSecretSource]. It refuses a nil
// source, a client ID that is not a bundle ID or Services ID, a BaseURL
// that is not https (loopback excepted), and a Verifier that does not
// accept ClientID.
func NewClient(secret ascjwt.TokenSource, cfg ClientConfig) (*Client, error) {
	if secret == nil {
		return nil, errors.New("signinwithapple: NewClient's secret source is nil; pass the source from NewClientSecretSource")
	}
	if err := checkClientIDField("ClientConfig.ClientID", cfg.ClientID); err != nil {
		return nil, err
	}
	base, err := endpointURL("ClientConfig.BaseURL", cfg.BaseURL, BaseURL)
	if err != nil {
		return nil, err
	}
	base = strings.TrimSuffix(base, "/")
	if cfg.Verifier != nil && !slices.Contains(cfg.Verifier.clientIDs, cfg.ClientID) {
		return nil, errors.New("signinwithapple: ClientConfig.Verifier does not accept ClientConfig.ClientID; add it to its VerifierConfig.ClientIDs")
	}
	return &Client{
		secret: secret, clientID: cfg.ClientID,
		tokenURL: base + "/auth/token", revokeURL: base + "/auth/revoke",
		http:     httpClient(cfg.HTTPClient, errors.New("the endpoint redirected; the form, with its client secret, is sent to ClientConfig.BaseURL only")),
		verifier: cfg.Verifier,
	}, nil
}

// Tokens are what Apple's token endpoint returns (its TokenResponse). Its
// String, Format, LogValue and encodings show none of the tokens: store the
// fields themselves.
type Tokens struct {
	// AccessToken is Apple's access token; RefreshToken the refresh token
	// to store for [Client.Refresh] and [Client.Revoke] (Apple returns
	// one only on an exchange; a refresh keeps the one it was given);
	// IDToken the identity token as sent.
	AccessToken, RefreshToken, IDToken string
	// Expiry is when the access token expires, from "expires_in", by the
	// Verifier's clock when ClientConfig.Verifier is set; zero when Apple
	// gave no expires_in.
	Expiry time.Time
	// ID is the identity token verified, when [ClientConfig].Verifier is
	// set.
	ID *IDToken
}

// String describes the tokens without any of them.
func (t Tokens) String() string {
	sub := ""
	if t.ID != nil {
		sub = t.ID.Subject
	}
	return fmt.Sprintf("signinwithapple.Tokens{access_token:%s refresh_token:%s id_token:%s sub:%q expires:%s}",
		shown(t.AccessToken), shown(t.RefreshToken), shown(t.IDToken), sub, t.Expiry.UTC().Format(time.RFC3339))
}

// shown stands for a token in String.
func shown(s string) string {
	if s == "" {
		return "none"
	}
	return "redacted"
}

// Format makes every fmt verb print String.
func (t Tokens) Format(f fmt.State, verb rune) { redact.Format(f, verb, t.String()) }

// LogValue shows the tokens to log/slog as String does.
func (t Tokens) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON encodes the tokens as String does, so that no JSON encoder
// (slog's JSONHandler included) writes them.
func (t Tokens) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// MarshalText encodes the tokens as String does.
func (t Tokens) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// GobEncode encodes the tokens as String does, so that encoding/gob does
// not write them.
func (t Tokens) GobEncode() ([]byte, error) { return []byte(t.String()), nil }

// TokenTypeHint tells Apple's revocation endpoint which kind of token it is
// given.
type TokenTypeHint string

// The hints Apple's "Revoke tokens" takes.
const (
	AccessTokenHint  TokenTypeHint = "access_token"
	RefreshTokenHint TokenTypeHint = "refresh_token"
)

// maxInput bounds a code or token passed in; Apple's are under a hundred
// bytes.
const maxInput = 4 << 10

// maxResponse bounds the response read; Apple's are a few kilobytes.
const maxResponse = 1 << 20

// Exchange validates an authorization code (Apple's "Generate and validate
// tokens") and returns the tokens. redirectURI is the redirect_uri of the
// authorization request; pass "" when it had none (an app's code), as Apple
// asks. A code is single-use and expires after five minutes. A refusal is
// a [*TokenError]. With a Verifier, the id_token is verified too, and when
// it fails (or Apple's key set cannot be fetched) only the error returns:
// the code is spent, and the user signs in again.
func (c *Client) Exchange(ctx context.Context, code, redirectURI string) (*Tokens, error) {
	if err := checkInput("code", code); err != nil {
		return nil, err
	}
	form := url.Values{"code": {code}, "grant_type": {"authorization_code"}}
	if redirectURI != "" {
		form.Set("redirect_uri", redirectURI)
	}
	tokens, err := c.token(ctx, form, code)
	if err != nil {
		return nil, err
	}
	if c.verifier != nil && tokens.IDToken == "" {
		return nil, errors.New("signinwithapple: Apple's token response has no id_token to verify")
	}
	return tokens, nil
}

// Refresh validates a refresh token with Apple and returns fresh tokens,
// RefreshToken being the one given: a [*TokenError] with Code
// "invalid_grant" says the token is no longer good (the user stopped using
// Sign in with Apple with your app, or it was revoked). Apple asks that a
// refresh token be validated at most once a day.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	if err := checkInput("refresh token", refreshToken); err != nil {
		return nil, err
	}
	tokens, err := c.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}, refreshToken)
	if err != nil {
		return nil, err
	}
	if tokens.RefreshToken == "" {
		tokens.RefreshToken = refreshToken
	}
	return tokens, nil
}

// Revoke revokes a refresh token or an access token (Apple's "Revoke
// tokens"), and with it the user's authorization of your app: do it when
// a user deletes their account. hint says which kind token is; "" sends
// none. Apple answers 200 for a token it does not know as well, so a nil
// error says only that Apple took the request.
func (c *Client) Revoke(ctx context.Context, token string, hint TokenTypeHint) error {
	if err := checkInput("token", token); err != nil {
		return err
	}
	form := url.Values{"token": {token}}
	switch hint {
	case "":
	case AccessTokenHint, RefreshTokenHint:
		form.Set("token_type_hint", string(hint))
	default:
		return fmt.Errorf("signinwithapple: Revoke's hint %s is neither AccessTokenHint nor RefreshTokenHint", redact.Show(string(hint), 32))
	}
	_, err := c.post(ctx, c.revokeURL, form, token)
	return err
}

// tokenResponse is Apple's TokenResponse.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// token posts form to the token endpoint and reads Apple's TokenResponse;
// sent is the code or refresh token, kept out of any error.
func (c *Client) token(ctx context.Context, form url.Values, sent string) (*Tokens, error) {
	body, err := c.post(ctx, c.tokenURL, form, sent)
	if err != nil {
		return nil, err
	}
	var r tokenResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("signinwithapple: Apple's token response (%s) is not a TokenResponse", redact.Bytes(len(body)))
	}
	if r.AccessToken == "" {
		return nil, errors.New("signinwithapple: Apple's token response has no access_token")
	}
	if r.ExpiresIn < 0 || r.ExpiresIn > int64(MaxLifetime/time.Second) {
		return nil, errors.New("signinwithapple: Apple's token response has an expires_in that is not a lifetime")
	}
	now := time.Now
	if c.verifier != nil {
		now = c.verifier.now
	}
	tokens := &Tokens{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, IDToken: r.IDToken}
	if r.ExpiresIn > 0 {
		tokens.Expiry = now().Add(time.Duration(r.ExpiresIn) * time.Second)
	}
	if c.verifier != nil && r.IDToken != "" {
		id, err := c.verifier.VerifyIDToken(ctx, r.IDToken, VerifyOptions{})
		if err != nil {
			return nil, err
		}
		if id.Audience != c.clientID {
			return nil, named("identity token", invalid("its \"aud\" is not ClientConfig.ClientID, the client_id of the exchange"))
		}
		tokens.ID = id
	}
	return tokens, nil
}

// post sends form with client_id and a client secret to endpoint and
// returns the body of a 200, after which the source is told Apple accepted
// the secret. Apple's ErrorResponse becomes a [*TokenError] (and, for
// invalid_client, the secret is dropped so that the next request signs a
// new one); any other status an error that names it.
func (c *Client) post(ctx context.Context, endpoint string, form url.Values, sent string) ([]byte, error) {
	secret, err := c.secret.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("signinwithapple: make a client secret: %w", err)
	}
	if sub, ok := secretSubject(secret.Value); ok && sub != c.clientID {
		return nil, errors.New(`signinwithapple: the client secret's "sub" is not ClientConfig.ClientID, and Apple would answer invalid_client: make the secret with Config.ClientID equal to the client_id sent`)
	}
	form.Set("client_id", c.clientID)
	form.Set("client_secret", secret.Value)

	ctx, cancel := untraced(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("signinwithapple: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("signinwithapple: POST %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("signinwithapple: POST %s: read the response: %w", endpoint, err)
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("signinwithapple: POST %s: the response is over %d KiB, far more than Apple's", endpoint, maxResponse>>10)
	}
	if resp.StatusCode == http.StatusOK {
		accepted(c.secret, secret)
		return body, nil
	}
	var er struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &er) != nil || er.Error == "" || !isJSON(resp.Header) {
		return nil, fmt.Errorf("signinwithapple: POST %s: Apple answered %s without an ErrorResponse", endpoint, respbody.Status(resp.StatusCode))
	}
	te := &TokenError{Code: safetext.Line(redactIn(er.Error, secret.Value, sent), 64), Description: safetext.Line(redactIn(er.Description, secret.Value, sent), 300)}
	if te.Code == "invalid_client" {
		invalidate(c.secret, secret)
	}
	return nil, te
}

// isJSON reports whether a response says its body is JSON, or says
// nothing.
func isJSON(h http.Header) bool {
	ct := h.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// checkInput refuses an empty or oversized code or token before anything
// is sent.
func checkInput(what, value string) error {
	switch {
	case value == "":
		return fmt.Errorf("signinwithapple: the %s is empty", what)
	case len(value) > maxInput:
		return fmt.Errorf("signinwithapple: the %s is %s, more than any of Apple's", what, redact.Bytes(len(value)))
	}
	return nil
}

// secretSubject reads "sub" from a client secret's payload, unverified: it
// is our own secret, read only to catch a client ID mismatch before Apple
// answers invalid_client without saying why.
func secretSubject(secret string) (string, bool) {
	parts := strings.Split(secret, ".")
	if len(parts) != 3 {
		return "", false
	}
	raw, err := jwsread.DecodeSegment(parts[1])
	if err != nil {
		return "", false
	}
	claims, err := readObject(raw)
	if err != nil {
		return "", false
	}
	return claims.string("sub")
}

// accepted tells the source (or the first under its wrappers that wants to
// know, an [ascjwt.AcceptanceRecorder]) that Apple took tok, so that if
// Apple refuses it later, a new one is signed at once rather than at most
// once a minute.
func accepted(src ascjwt.TokenSource, tok *ascjwt.Token) {
	if a, ok := find[ascjwt.AcceptanceRecorder](src); ok {
		a.TokenAccepted(tok)
	}
}

// invalidate tells the source (or the first under its wrappers that can be
// told) that Apple refused tok, so that the next request signs a new
// secret.
func invalidate(src ascjwt.TokenSource, tok *ascjwt.Token) {
	if inv, ok := find[ascjwt.Invalidator](src); ok {
		inv.InvalidateToken(tok)
	}
}

// find returns src, or the first source under its wrappers (Unwrap), that
// is a T.
func find[T any](src ascjwt.TokenSource) (T, bool) {
	for src != nil {
		if t, ok := src.(T); ok {
			return t, true
		}
		u, ok := src.(interface{ Unwrap() ascjwt.TokenSource })
		if !ok {
			break
		}
		src = u.Unwrap()
	}
	var zero T
	return zero, false
}

// untraced returns a context with ctx's deadline and cancellation and none
// of its values: an httptrace.ClientTrace in ctx must not see the form,
// whose client secret is good for its whole lifetime.
func untraced(ctx context.Context) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancelCause(context.Background())
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	if d, ok := ctx.Deadline(); ok {
		withDeadline, cancelDeadline := context.WithDeadline(out, d)
		return withDeadline, func() { cancelDeadline(); stop(); cancel(nil) }
	}
	return out, func() { stop(); cancel(nil) }
}

// redactIn cuts each of secrets, whole and by its dot-separated parts, out
// of s: Apple's description is its own text, but a proxy in between may
// echo the request.
func redactIn(s string, secrets ...string) string {
	for _, secret := range secrets {
		s = redact.Cut(s, secret, "<redacted>")
	}
	return s
}
