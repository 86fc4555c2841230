package axm

import "github.com/ascjwt/ascjwt/internal/exchange"

// OAuthError is the token endpoint's refusal of an exchange, in RFC 6749's
// shape (section 5.2): {"error":"invalid_client","error_description":...}.
// StatusCode is the HTTP status of the response, usually 400 or 401; Code
// the OAuth error code, such as "invalid_client", escaped for printing (it
// comes from a server), and empty when the response had none (a 502 from a
// proxy, say); Description the error_description, escaped and shortened.
// Its Error names the code and what usually causes it; Temporary tells
// server_error and temporarily_unavailable (and 5xx and 429 responses) from
// codes that need a change of configuration. Use [errors.As] to branch on
// Code. It never holds the assertion. It is the one error type of every
// token endpoint in this module.
type OAuthError = exchange.Error

// hint says what usually causes each OAuth error code at Apple's token
// endpoint, and what to check. A response without a code gets what its
// status means at any endpoint.
func hint(_ int, code string) string {
	switch code {
	case "invalid_client":
		return "Apple did not accept the client assertion: usually Config.KeyID is not a key of Config.ClientID's API account, Config.PrivateKey is not the key downloaded for that key ID, or the key was revoked in Apple Business Manager or Apple School Manager"
	case "invalid_grant":
		return "Apple did not accept the assertion as a grant: usually its aud is not Apple's (check Config.Audience), it has expired, or this machine's clock is off"
	case "invalid_scope":
		return "the scope does not fit the account: business.api goes with BUSINESSAPI. client IDs and school.api with SCHOOLAPI.; leave Config.Scope empty"
	case "unauthorized_client":
		return "the API account may not use the client-credentials grant: check that it is still active in Apple Business Manager or Apple School Manager"
	case "unsupported_grant_type":
		return "the endpoint does not take the client-credentials grant: check Config.TokenURL, which should be Apple's, " + TokenURL
	case "invalid_request":
		return "the request lacks a parameter or repeats one: check Config.TokenURL, which should be Apple's, " + TokenURL
	case "server_error", "temporarily_unavailable":
		return "a problem at Apple's end; the next call tries again"
	case "":
		return ""
	}
	return "see Apple's page \"Implementing OAuth for the Apple School Manager and Apple Business API\"; the next call tries again"
}
