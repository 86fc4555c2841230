// Package claims holds Apple's rules for App Store Connect token claims,
// shared by the token source that follows them and the test server that
// enforces them: scopes and how requests match them, how long a token may
// live, and the JSON encoding of the payload.
package claims

import (
	"fmt"
	"strings"
	"time"
)

// Lifetime limits, from Apple's "Generating Tokens for API Requests".
const (
	// MaxLifetime is the limit for App Store Connect API tokens.
	MaxLifetime = 20 * time.Minute
	// MaxBundleLifetime is the limit for App Store Server API tokens, which
	// carry a "bid" claim.
	MaxBundleLifetime = 60 * time.Minute
	// MaxLongLivedLifetime is the limit for App Store Connect API tokens
	// whose scope holds only GET requests on resources that allow long-lived
	// tokens: Apple says "six months", taken here as 180 days.
	MaxLongLivedLifetime = 180 * 24 * time.Hour
)

// longLived lists the resources Apple documents as accepting tokens that live
// longer than 20 minutes ("Determine the Appropriate Token Lifetime": Build
// Actions, Build Runs, Git References, Issues, macOS Versions, Products,
// Providers, Power and Performance Metrics and Logs, Pull Requests,
// Repositories, Test Results, Workflows, Xcode Versions), as the path
// patterns of their endpoints, where "*" stands for one resource ID. A scope
// path matches a pattern when it equals it or continues it with "/" (a
// related resource or relationship).
var longLived = []string{
	"/v1/ciBuildActions",
	"/v1/ciBuildRuns",
	"/v1/ciIssues",
	"/v1/ciMacOsVersions",
	"/v1/ciProducts",
	"/v1/ciTestResults",
	"/v1/ciWorkflows",
	"/v1/ciXcodeVersions",
	"/v1/scmGitReferences",
	"/v1/scmProviders",
	"/v1/scmPullRequests",
	"/v1/scmRepositories",
	"/v1/apps/*/ciProduct",
	"/v1/apps/*/perfPowerMetrics",
	"/v1/builds/*/perfPowerMetrics",
	"/v1/builds/*/diagnosticSignatures",
	"/v1/diagnosticSignatures/*/logs",
}

// LongLived reports whether a GET on path may use a long-lived token.
func LongLived(path string) bool {
	for _, pattern := range longLived {
		if matchPrefix(pattern, path) {
			return true
		}
	}
	return false
}

// matchPrefix reports whether path equals pattern or extends it with "/...",
// where each "*" segment of pattern matches one non-empty segment of path.
func matchPrefix(pattern, path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	want := strings.Split(pattern[1:], "/")
	have := strings.Split(path[1:], "/")
	if len(have) < len(want) {
		return false
	}
	for i, w := range want {
		if have[i] == "" || (w != "*" && w != have[i]) {
			return false
		}
	}
	return true
}

// Limit returns the longest lifetime Apple accepts for a token with these
// claims, and the rule that sets it, for error messages. Long-lived tokens
// are an exception of the App Store Connect API alone: a token with a bundle
// ID is an App Store Server API token, limited to 60 minutes whatever its
// scope ("Generating JSON Web Tokens for API requests" in the App Store
// Server API documentation), and the Enterprise Program API has no exception.
func Limit(audience string, scopes []Scope, bundleID string) (time.Duration, string) {
	if bundleID != "" {
		return MaxBundleLifetime, "60 minutes for App Store Server API tokens (with a bundle ID)"
	}
	if audience == "appstoreconnect-v1" && len(scopes) > 0 && allLongLived(scopes) {
		return MaxLongLivedLifetime, "180 days: the scope holds only GET requests on resources that allow long-lived tokens"
	}
	return MaxLifetime, "20 minutes for App Store Connect API tokens; only a scope of GET requests on the resources Apple lists (CI builds, SCM, perfPowerMetrics, diagnostic logs) may live up to 180 days"
}

func allLongLived(scopes []Scope) bool {
	for _, s := range scopes {
		if s.Method != "GET" || !LongLived(s.Path) {
			return false
		}
	}
	return true
}

// FormatDuration writes d the way people say lifetimes: "20m", "1h", "180d".
func FormatDuration(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String() // "20m0s", "1h0m0s"
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
