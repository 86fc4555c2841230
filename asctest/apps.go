package asctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The default routes serve a fixed catalog in the JSON:API shape of the real
// API, so that clients can be tested for decoding, filtering, inclusion and
// pagination: five apps (GET /v1/apps, GET /v1/apps/{id}, PATCH
// /v1/apps/{id}) and fifty builds of each (GET /v1/builds with
// include=app, GET /v1/builds/{id}). Lists page through links.next with
// limit (1 to 200, 50 by default) and a cursor, and honour the filter[...]
// parameters of the attributes the canned resources have, each a
// comma-separated list of values of which one must match, as Apple's do; a
// filter they do not have is Apple's 400 PARAMETER_ERROR.INVALID, not a
// list of everything.
//
// To serve more, add routes with Server.Handle, which are tried first; to
// serve more of the canned kind, add a resource type to the catalog as
// builds are: a slice of resources, its filters, and a list route made with
// serveList.

const (
	appCount     = 5
	buildsPerApp = 50
	defaultLimit = 50
	maxLimit     = 200
	firstAppID   = 1000000000 // app i has ID firstAppID+i
)

// buildsEpoch is when the first canned build was uploaded; the others follow
// a day apart, so the catalog is the same on every run.
var buildsEpoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

type resource struct {
	Type          string                  `json:"type"`
	ID            string                  `json:"id"`
	Attributes    map[string]any          `json:"attributes"`
	Relationships map[string]relationship `json:"relationships,omitempty"`
	Links         map[string]string       `json:"links"`
}

// relationship is a to-one relationship: the linkage, and its links.
type relationship struct {
	Data  linkage           `json:"data"`
	Links map[string]string `json:"links,omitempty"`
}

type linkage struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type document struct {
	Data     any               `json:"data"`
	Included []resource        `json:"included,omitempty"`
	Links    map[string]string `json:"links"`
	Meta     any               `json:"meta,omitempty"`
}

// catalog is the canned resources. PATCH /v1/apps/{id} changes an app's
// attributes, which later requests then see; builds never change.
type catalog struct {
	mu   sync.Mutex
	apps [appCount]map[string]any // app i+1's attributes
}

func newCatalog() *catalog {
	c := new(catalog)
	for i := range c.apps {
		n := i + 1
		c.apps[i] = map[string]any{
			"name":          fmt.Sprintf("Example App %d", n),
			"bundleId":      fmt.Sprintf("com.example.app%d", n),
			"sku":           fmt.Sprintf("EXAMPLE%d", n),
			"primaryLocale": "en-US",
		}
	}
	return c
}

// appNumber returns n for the app whose ID is id, app n of the catalog, or
// 0 if there is none.
func appNumber(id string) int {
	n, err := strconv.Atoi(id)
	if i := n - firstAppID; err == nil && i >= 1 && i <= appCount && strconv.Itoa(n) == id {
		return i
	}
	return 0
}

// app returns app n (1-based) as a resource.
func (c *catalog) app(base string, n int) resource {
	c.mu.Lock()
	attrs := make(map[string]any, len(c.apps[n-1]))
	for k, v := range c.apps[n-1] {
		attrs[k] = v
	}
	c.mu.Unlock()
	id := strconv.Itoa(firstAppID + n)
	return resource{Type: "apps", ID: id, Attributes: attrs, Links: map[string]string{"self": base + "/v1/apps/" + id}}
}

func (c *catalog) allApps(base string) []resource {
	out := make([]resource, appCount)
	for i := range out {
		out[i] = c.app(base, i+1)
	}
	return out
}

// build returns build j (1-based) of app n: its version is j, uploaded j-1
// days after the first.
func build(base string, n, j int) resource {
	id := buildID(n, j)
	appID := strconv.Itoa(firstAppID + n)
	uploaded := buildsEpoch.Add(time.Duration((n-1)*buildsPerApp+j-1) * 24 * time.Hour)
	return resource{
		Type: "builds",
		ID:   id,
		Attributes: map[string]any{
			"version":                 strconv.Itoa(j),
			"uploadedDate":            uploaded.Format(time.RFC3339),
			"expirationDate":          uploaded.Add(90 * 24 * time.Hour).Format(time.RFC3339),
			"expired":                 false,
			"minOsVersion":            "17.0",
			"processingState":         "VALID",
			"buildAudienceType":       "APP_STORE_ELIGIBLE",
			"usesNonExemptEncryption": false,
		},
		Relationships: map[string]relationship{"app": {
			Data:  linkage{Type: "apps", ID: appID},
			Links: map[string]string{"self": base + "/v1/builds/" + id + "/relationships/app", "related": base + "/v1/builds/" + id + "/app"},
		}},
		Links: map[string]string{"self": base + "/v1/builds/" + id},
	}
}

// buildID is build j of app n's ID, in the UUID form of Apple's build IDs.
func buildID(n, j int) string { return fmt.Sprintf("%08d-0000-4000-8000-%012d", n, j) }

// buildNumbers returns the app and build numbers of the build whose ID is
// id, or zeros if there is none.
func buildNumbers(id string) (n, j int) {
	for n := 1; n <= appCount; n++ {
		for j := 1; j <= buildsPerApp; j++ {
			if buildID(n, j) == id {
				return n, j
			}
		}
	}
	return 0, 0
}

func allBuilds(base string) []resource {
	out := make([]resource, 0, appCount*buildsPerApp)
	for n := 1; n <= appCount; n++ {
		for j := 1; j <= buildsPerApp; j++ {
			out = append(out, build(base, n, j))
		}
	}
	return out
}

// filters maps a filter[...] name a list takes to the values of a resource
// it matches: attribute values, and the IDs of a relationship.
type filters map[string]func(resource) []string

// attribute is the filter on an attribute's value.
func attribute(name string) func(resource) []string {
	return func(r resource) []string {
		switch v := r.Attributes[name].(type) {
		case string:
			return []string{v}
		case bool:
			return []string{strconv.FormatBool(v)}
		}
		return nil
	}
}

func resourceID(r resource) []string { return []string{r.ID} }

// appFilters are the filters of GET /v1/apps that the canned apps can
// answer. Every canned app is an iOS app, on the platform
// filter[appStoreVersions.platform] names; filter[platform] is the spelling
// of Apple's scope example ("Generating Tokens for API Requests"), taken
// too.
var appFilters = filters{
	"bundleId": attribute("bundleId"),
	"name":     attribute("name"),
	"sku":      attribute("sku"),
	"id":       resourceID,
	"appStoreVersions.platform": func(resource) []string {
		return []string{"IOS"}
	},
	"platform": func(resource) []string { return []string{"IOS"} },
}

// buildFilters are those of GET /v1/builds.
var buildFilters = filters{
	"app":             func(r resource) []string { return []string{r.Relationships["app"].Data.ID} },
	"id":              resourceID,
	"version":         attribute("version"),
	"processingState": attribute("processingState"),
	"expired":         attribute("expired"),
}

func (s *Server) routeApps() {
	s.defaults.HandleFunc("GET /v1/apps", s.listApps)
	s.defaults.HandleFunc("GET /v1/apps/{id}", s.getApp)
	s.defaults.HandleFunc("PATCH /v1/apps/{id}", s.patchApp)
	s.defaults.HandleFunc("GET /v1/builds", s.listBuilds)
	s.defaults.HandleFunc("GET /v1/builds/{id}", s.getBuild)
	s.defaults.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The specified resource does not exist",
			fmt.Sprintf("The path provided does not match a defined resource type: %s %s", r.Method, r.URL.Path))
	})
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	serveList(w, r, s.catalog.allApps(baseURL(r)), appFilters, nil)
}

func (s *Server) listBuilds(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	serveList(w, r, allBuilds(base), buildFilters, map[string]func(resource) resource{
		"app": func(b resource) resource { return s.catalog.app(base, appNumber(b.Relationships["app"].Data.ID)) },
	})
}

// serveList answers a list request with the page of items that the
// request's filters leave, each included relationship's resources once,
// and links.next to the next page. include maps the relationships the
// items have to their resource.
func serveList(w http.ResponseWriter, r *http.Request, items []resource, take filters, include map[string]func(resource) resource) {
	query := r.URL.Query()
	for param, values := range query {
		name, ok := strings.CutPrefix(param, "filter[")
		if !ok {
			continue
		}
		name, ok = strings.CutSuffix(name, "]")
		match := take[name]
		if !ok || match == nil {
			writeParameterError(w, describeParameter(param), fmt.Sprintf("The parameter %s can not be used with this request", describeParameter(param)))
			return
		}
		want := strings.Split(strings.Join(values, ","), ",")
		kept := items[:0:0]
		for _, it := range items {
			if anyIn(match(it), want) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	var includes []string
	if v := query.Get("include"); v != "" {
		for _, rel := range strings.Split(v, ",") {
			if include[rel] == nil {
				writeParameterError(w, "include", fmt.Sprintf("%s is not a relationship this resource can include", describeParameter(rel)))
				return
			}
			includes = append(includes, rel)
		}
	}
	limit, offset, ok := readPage(w, query, len(items))
	if !ok {
		return
	}
	base := baseURL(r)
	page := items[offset:min(offset+limit, len(items))]
	doc := document{
		Data:  page,
		Links: map[string]string{"self": base + r.URL.RequestURI()},
		Meta:  map[string]any{"paging": map[string]int{"total": len(items), "limit": limit}},
	}
	seen := make(map[linkage]bool)
	for _, rel := range includes {
		for _, it := range page {
			inc := include[rel](it)
			if l := (linkage{inc.Type, inc.ID}); !seen[l] {
				seen[l] = true
				doc.Included = append(doc.Included, inc)
			}
		}
	}
	if next := offset + limit; next < len(items) {
		q := r.URL.Query()
		q.Set("cursor", strconv.Itoa(next))
		q.Set("limit", strconv.Itoa(limit))
		doc.Links["next"] = base + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, doc)
}

// readPage reads limit and cursor for a list of total items, or answers
// Apple's 400 and returns false.
func readPage(w http.ResponseWriter, query map[string][]string, total int) (limit, offset int, ok bool) {
	limit = defaultLimit
	get := func(name string) string {
		if v := query[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			writeError(w, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value",
				fmt.Sprintf("'%s' is not a valid value for 'limit': want 1 to %d", v, maxLimit))
			return 0, 0, false
		}
		limit = n
	}
	if v := get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > total {
			writeError(w, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value",
				fmt.Sprintf("'%s' is not a valid cursor", v))
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

// describeParameter shows a query parameter's name from a request when it
// is short and printable, and otherwise says only how long it is.
func describeParameter(name string) string {
	if len(name) > 40 || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r > '~' }) {
		return fmt.Sprintf("of %d bytes", len(name))
	}
	return "'" + name + "'"
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	n := appNumber(r.PathValue("id"))
	if n == 0 {
		writeNoSuch(w, "apps", r.PathValue("id"))
		return
	}
	base := baseURL(r)
	writeJSON(w, http.StatusOK, document{Data: s.catalog.app(base, n), Links: map[string]string{"self": base + r.URL.Path}})
}

func (s *Server) getBuild(w http.ResponseWriter, r *http.Request) {
	n, j := buildNumbers(r.PathValue("id"))
	if n == 0 {
		writeNoSuch(w, "builds", r.PathValue("id"))
		return
	}
	base := baseURL(r)
	writeJSON(w, http.StatusOK, document{Data: build(base, n, j), Links: map[string]string{"self": base + r.URL.Path}})
}

// writeNoSuch answers Apple's 404 for a resource of type typ that does not
// exist.
func writeNoSuch(w http.ResponseWriter, typ, id string) {
	if len(id) > 40 || strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || r > '~' || r == '\'' }) {
		id = "(not shown)"
	}
	writeError(w, http.StatusNotFound, "NOT_FOUND", "The specified resource does not exist",
		fmt.Sprintf("There is no resource of type '%s' with id '%s'", typ, id))
}

// appUpdatable are the attributes an AppUpdateRequest may change, as Apple's
// reference lists them: strings, or null to clear one.
var appUpdatable = map[string]bool{
	"bundleId":                               true,
	"primaryLocale":                          true,
	"contentRightsDeclaration":               true,
	"subscriptionStatusUrl":                  true,
	"subscriptionStatusUrlVersion":           true,
	"subscriptionStatusUrlForSandbox":        true,
	"subscriptionStatusUrlVersionForSandbox": true,
	"accessibilityUrl":                       true,
}

// patchApp is PATCH /v1/apps/{id}, "Modify an App": a JSON:API document of
// type apps with the app's ID, whose attributes replace the app's; the
// response is the app as it now is.
func (s *Server) patchApp(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n := appNumber(id)
	if n == 0 {
		writeNoSuch(w, "apps", id)
		return
	}
	req, ok := readRequest[map[string]json.RawMessage](w, r, "apps")
	if !ok {
		return
	}
	if req.Data.ID != id {
		writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/id", "The id in the request body does not match the id in the URL")
		return
	}
	change := make(map[string]*string, len(req.Data.Attributes))
	for name, raw := range req.Data.Attributes {
		if !appUpdatable[name] {
			writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.UNKNOWN", "/data/attributes/"+describeAttribute(name),
				"The attribute is not one that an AppUpdateRequest can change")
			return
		}
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.TYPE", "/data/attributes/"+name, "The attribute's value must be a string or null")
			return
		}
		change[name] = v
	}
	s.catalog.mu.Lock()
	for name, v := range change {
		if v != nil {
			s.catalog.apps[n-1][name] = *v
		} else {
			delete(s.catalog.apps[n-1], name)
		}
	}
	s.catalog.mu.Unlock()
	base := baseURL(r)
	writeJSON(w, http.StatusOK, document{Data: s.catalog.app(base, n), Links: map[string]string{"self": base + r.URL.Path}})
}

// describeAttribute is an attribute name from a request for a JSON pointer:
// itself when short and plain, else a placeholder.
func describeAttribute(name string) string {
	if len(name) > 40 || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r > '~' || r == '/' || r == '~' }) {
		return "(not shown)"
	}
	return name
}
