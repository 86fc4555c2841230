package signinwithapple

// TokenError is Apple's ErrorResponse from the token or revocation
// endpoint: the error code, such as "invalid_client" or "invalid_grant",
// and Apple's description when it sends one. Find it with [errors.As]. Its
// message adds the usual causes of the code, from Apple's "ErrorResponse"
// and "TN3107: Resolving Sign in with Apple response errors", and never
// holds a secret, a code or a token.
type TokenError struct {
	// Code is Apple's "error": invalid_request, invalid_client,
	// invalid_grant, unauthorized_client, unsupported_grant_type or
	// invalid_scope.
	Code string
	// Description is Apple's "error_description" ("The code has already
	// been used."), empty when Apple sent none, with control characters
	// escaped and anything the request sent as a secret removed.
	Description string
}

// Error names Apple's code and what usually causes it.
func (e *TokenError) Error() string {
	msg := "signinwithapple: Apple answered " + e.Code
	if e.Description != "" {
		msg += " (" + e.Description + ")"
	}
	if cause := tokenErrorCauses[e.Code]; cause != "" {
		msg += ": " + cause
	}
	return msg
}

// tokenErrorCauses are the usual causes of each of Apple's codes, in words
// that say what to check.
var tokenErrorCauses = map[string]string{
	"invalid_request": "the request is malformed: a parameter is missing, repeated or not one Apple takes, or client credentials were sent in more than one way",
	"invalid_client": "Apple did not accept the client secret: usually it was signed for another client ID (its \"sub\" must be the client_id sent: " +
		"the Services ID on the web, the bundle ID in an app), another team (\"iss\") or key (\"kid\", a key revoked or without Sign in with Apple), or it has expired",
	"invalid_grant": "Apple did not accept the code or token: an authorization code used twice, older than five minutes, issued to another client ID, " +
		"or sent with a redirect_uri other than the authorization request's (send redirect_uri only when that request had one); " +
		"or a refresh token revoked (the user stopped using Sign in with Apple with your app) or issued to another client",
	"unauthorized_client":    "the client is not allowed this grant type: check that Sign in with Apple is enabled for the Services ID or App ID, and its configuration",
	"unsupported_grant_type": "Apple does not support the grant_type sent: it takes authorization_code and refresh_token",
	"invalid_scope":          "the scope requested is not one Apple takes (name, email)",
}
