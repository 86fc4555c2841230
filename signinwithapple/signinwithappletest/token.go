package signinwithappletest

import (
	"mime"
	"net/http"
	"net/url"
	"time"
)

// maxForm bounds a request's body; Apple's are a few hundred bytes.
const maxForm = 64 << 10

// token is Apple's token endpoint: client authentication by client_secret
// first, then the grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	form, clientID, secret, code, rule := s.authenticate(w, r)
	if code == "" {
		code, rule = s.exchange(w, form, clientID, secret)
	}
	if code != "" {
		s.refuse(w, true, code, rule)
	}
}

// revoke is Apple's revocation endpoint: client authentication as for the
// token endpoint, then the token, whose authorization it ends. Like Apple
// (and RFC 7009), it answers 200 for a token it does not know too.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	form, clientID, _, code, rule := s.authenticate(w, r)
	if code == "" {
		code, rule = s.revokeToken(form, clientID)
	}
	if code != "" {
		s.refuse(w, false, code, rule)
		return
	}
	s.mu.Lock()
	s.stats.Accepted++
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// authenticate reads a POSTed form and checks its client credentials,
// returning the form, client ID and secret, or the error code and the rule
// broken.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (form url.Values, clientID, secret, errCode, rule string) {
	if r.Method != http.MethodPost {
		return nil, "", "", "invalid_request", "the endpoint takes POST"
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, "", "", "invalid_request", "the body must be application/x-www-form-urlencoded"
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return nil, "", "", "invalid_request", "the form does not parse"
	}
	form = r.PostForm
	for _, v := range form {
		if len(v) != 1 {
			return nil, "", "", "invalid_request", "a parameter is repeated"
		}
	}
	clientID, secret = form.Get("client_id"), form.Get("client_secret")
	if _, _, basic := r.BasicAuth(); basic {
		if secret != "" {
			return nil, "", "", "invalid_request", "client credentials both in an Authorization header and in the form: more than one mechanism"
		}
		return nil, "", "", "invalid_client", "no client_secret in the form: Apple takes it as a form field, not in an Authorization header (oauth2.AuthStyleInParams)"
	}
	switch {
	case clientID == "":
		return nil, "", "", "invalid_client", "no client_id"
	case secret == "":
		return nil, "", "", "invalid_client", "no client_secret"
	}
	if err := s.VerifyClientSecret(secret, clientID); err != nil {
		return nil, "", "", "invalid_client", err.Error()
	}
	return form, clientID, secret, "", ""
}

// exchange answers a good token request with a TokenResponse and returns
// the error code and the rule broken for any other.
func (s *Server) exchange(w http.ResponseWriter, form url.Values, clientID, secret string) (errCode, rule string) {
	now := s.Now()
	var g *grant
	var refresh string
	switch form.Get("grant_type") {
	case "authorization_code":
		var rule string
		if g, rule = s.redeem(form.Get("code"), clientID, form.Get("redirect_uri"), now); rule != "" {
			return "invalid_grant", rule
		}
		refresh = randomToken("r")
	case "refresh_token":
		s.mu.Lock()
		g = s.refresh[form.Get("refresh_token")]
		s.mu.Unlock()
		switch {
		case g == nil || g.clientID != clientID:
			return "invalid_grant", "refresh_token is not one the server issued to this client"
		case g.revoked:
			return "invalid_grant", "refresh_token was revoked (the user stopped using Sign in with Apple with the app, or it was revoked at /auth/revoke)"
		}
	case "":
		return "invalid_request", "no grant_type"
	default:
		return "unsupported_grant_type", "grant_type is neither authorization_code nor refresh_token"
	}
	access := randomToken("a")
	idToken := s.idToken(clientID, g.auth, now, map[string]any{"at_hash": halfHash(access)})
	s.mu.Lock()
	if refresh != "" {
		s.refresh[refresh] = g
	}
	s.access[access] = g
	s.stats.Granted++
	s.stats.Accepted++
	if _, seen := s.secrets[secret]; !seen {
		s.secrets[secret] = struct{}{}
		s.stats.Secrets++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(AccessTokenLifetime / time.Second), RefreshToken: refresh, IDToken: idToken})
	return "", ""
}

// redeem spends an authorization code, returning its authorization or the
// rule it breaks.
func (s *Server) redeem(code, clientID, redirectURI string, now time.Time) (*grant, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[code]
	switch {
	case code == "":
		return nil, "no code"
	case !ok:
		return nil, "code is not one the server issued"
	case c.used:
		return nil, "code has already been used"
	case now.Sub(c.issued) > CodeLifetime:
		return nil, "code is more than five minutes old"
	case c.grant.clientID != clientID:
		return nil, "code was issued to another client"
	case c.grant.auth.RedirectURI != redirectURI:
		return nil, "redirect_uri is not the one of the authorization request (send it only if that request had one)"
	}
	c.used = true
	return c.grant, ""
}

// revokeToken ends the authorization of a token the client holds.
func (s *Server) revokeToken(form url.Values, clientID string) (errCode, rule string) {
	token := form.Get("token")
	if token == "" {
		return "invalid_request", "no token"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The hint only says where to look first (RFC 7009 section 2.1): both
	// kinds are searched whatever it says.
	g := s.refresh[token]
	if g == nil {
		g = s.access[token]
	}
	if g != nil && g.clientID == clientID && !g.revoked {
		g.revoked = true
		s.stats.Revoked++
	}
	return "", ""
}

// tokenResponse is Apple's TokenResponse.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token"`
}

// refuse answers an ErrorResponse with status 400, as Apple does, whose
// error_description names the rule broken.
func (s *Server) refuse(w http.ResponseWriter, tokenEndpoint bool, code, rule string) {
	s.mu.Lock()
	s.stats.Rejected++
	if tokenEndpoint {
		s.stats.Refused++
	}
	s.stats.LastError, s.stats.LastRejection = code, rule
	s.mu.Unlock()
	writeJSON(w, http.StatusBadRequest, errorResponse{Error: code, Description: rule})
}
