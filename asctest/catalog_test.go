package asctest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// listDoc is a list response as a client decodes it.
type listDoc struct {
	Data []struct {
		Type          string         `json:"type"`
		ID            string         `json:"id"`
		Attributes    map[string]any `json:"attributes"`
		Relationships map[string]struct {
			Data linkage `json:"data"`
		} `json:"relationships"`
	} `json:"data"`
	Included []struct {
		Type       string         `json:"type"`
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
	} `json:"included"`
	Links  map[string]string `json:"links"`
	Errors []Error           `json:"errors"`
}

func getList(t *testing.T, srv *Server, auth, rawURL string) (int, listDoc) {
	t.Helper()
	status, _, body := do(t, srv, "GET", rawURL, auth, nil, nil)
	var doc listDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %v", rawURL, status, err)
	}
	return status, doc
}

// TestBuildsIncludeTheirAppsAcrossPages: what the README's
// `ascjwt api --paginate '/v1/builds?include=app&limit=200'` asks of App
// Store Connect ("List Builds", include=app) is served: 250 canned builds
// in pages of 200 with links.next, each page's included apps once, and
// every build's app relationship naming an app that is included.
func TestBuildsIncludeTheirAppsAcrossPages(t *testing.T) {
	srv := newServer(t)
	auth := bearer(t, srv)
	next := srv.URL + "/v1/builds?include=app&limit=200"
	var builds, pages int
	apps := map[string]bool{}
	for next != "" {
		status, doc := getList(t, srv, auth, next)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", next, status, doc.Errors)
		}
		pages++
		included := map[string]bool{}
		for _, inc := range doc.Included {
			if inc.Type != "apps" || included[inc.ID] || inc.Attributes["bundleId"] == nil {
				t.Fatalf("page %d includes %s %s (again, or without attributes)", pages, inc.Type, inc.ID)
			}
			included[inc.ID], apps[inc.ID] = true, true
		}
		for _, b := range doc.Data {
			app := b.Relationships["app"].Data
			if b.Type != "builds" || app.Type != "apps" || !included[app.ID] || b.Attributes["version"] == nil {
				t.Fatalf("page %d: build %s of app %v, not among the included %v", pages, b.ID, app, included)
			}
		}
		builds += len(doc.Data)
		next = doc.Links["next"]
	}
	if builds != appCount*buildsPerApp || pages != 2 || len(apps) != appCount {
		t.Fatalf("%d builds on %d pages with %d apps; want 250 on 2 with 5", builds, pages, len(apps))
	}
	if status, doc := getList(t, srv, auth, srv.URL+"/v1/builds?include=preReleaseVersion"); status != http.StatusBadRequest || len(doc.Errors) != 1 || doc.Errors[0].Code != "PARAMETER_ERROR.INVALID" {
		t.Errorf("an include the builds lack: %d %v; want 400 PARAMETER_ERROR.INVALID", status, doc.Errors)
	}
}

// TestListsHonourTheFiltersOfTheirResources: filter[...] with the values
// of a comma-separated list, one of which must match, as App Store Connect
// reads them; a filter the canned resources lack is Apple's 400
// PARAMETER_ERROR.INVALID naming it, never every resource.
func TestListsHonourTheFiltersOfTheirResources(t *testing.T) {
	srv := newServer(t)
	auth := bearer(t, srv)
	for _, tc := range []struct {
		query string
		ids   []string // the IDs wanted, in order; nil: 400
	}{
		{"/v1/apps?filter[bundleId]=com.example.app2", []string{"1000000002"}},
		{"/v1/apps?filter[bundleId]=com.example.app4,com.example.app1", []string{"1000000001", "1000000004"}},
		{"/v1/apps?filter[bundleId]=com.example.nothing", []string{}},
		{"/v1/apps?filter[name]=Example+App+3&filter[sku]=EXAMPLE3", []string{"1000000003"}},
		{"/v1/apps?filter[name]=Example+App+3&filter[sku]=EXAMPLE1", []string{}},
		{"/v1/apps?filter[id]=1000000005", []string{"1000000005"}},
		{"/v1/apps?limit=2&filter[platform]=IOS", []string{"1000000001", "1000000002"}},
		{"/v1/apps?filter[appStoreVersions.platform]=MAC_OS", []string{}},
		{"/v1/apps?filter[bundleID]=com.example.app2", nil},
		{"/v1/apps?filter[nothing]=x", nil},
		{"/v1/apps?filter[bundleId", nil},
		{"/v1/builds?filter[app]=1000000003&filter[version]=7,8", []string{buildID(3, 7), buildID(3, 8)}},
		{"/v1/builds?filter[version]=50&filter[processingState]=VALID&filter[expired]=false", []string{buildID(1, 50), buildID(2, 50), buildID(3, 50), buildID(4, 50), buildID(5, 50)}},
		{"/v1/builds?filter[expired]=true", []string{}},
		{"/v1/builds?filter[bundleId]=com.example.app1", nil},
	} {
		status, doc := getList(t, srv, auth, srv.URL+tc.query)
		if tc.ids == nil {
			param, _, _ := strings.Cut(tc.query[strings.IndexByte(tc.query, '?')+1:], "=")
			if status != http.StatusBadRequest || len(doc.Errors) != 1 || doc.Errors[0].Code != "PARAMETER_ERROR.INVALID" ||
				doc.Errors[0].Source == nil || doc.Errors[0].Source.Parameter != "'"+param+"'" {
				t.Errorf("%s: %d %+v; want 400 PARAMETER_ERROR.INVALID naming %s", tc.query, status, doc.Errors, param)
			}
			continue
		}
		var ids []string
		for _, d := range doc.Data {
			ids = append(ids, d.ID)
		}
		if status != http.StatusOK || !slices.Equal(ids, tc.ids) && !(len(ids) == 0 && len(tc.ids) == 0) {
			t.Errorf("%s: %d %v %v; want %v", tc.query, status, ids, doc.Errors, tc.ids)
		}
	}
}

// TestPatchAppChangesWhatLaterRequestsSee: PATCH /v1/apps/{id} ("Modify an
// App", the README's `ascjwt api -X PATCH --input change.json`) takes a
// JSON:API document of type apps with the path's ID and the attributes an
// AppUpdateRequest may change, answers the app as it now is, and later
// reads and filters see the change; what Apple refuses, it refuses.
func TestPatchAppChangesWhatLaterRequestsSee(t *testing.T) {
	srv := newServer(t)
	auth := bearer(t, srv)
	patch := func(path, body string) (int, []byte) {
		status, _, b := do(t, srv, "PATCH", srv.URL+path, auth, http.Header{"Content-Type": {"application/json"}}, []byte(body))
		return status, b
	}
	status, body := patch("/v1/apps/1000000002", `{"data":{"type":"apps","id":"1000000002","attributes":{"primaryLocale":"en-GB","bundleId":"com.example.renamed"}}}`)
	var one struct {
		Data struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &one); err != nil || status != http.StatusOK || one.Data.ID != "1000000002" ||
		one.Data.Attributes["primaryLocale"] != "en-GB" || one.Data.Attributes["name"] != "Example App 2" {
		t.Fatalf("PATCH: %d %s", status, body)
	}
	if _, doc := getList(t, srv, auth, srv.URL+"/v1/apps?filter[bundleId]="+url.QueryEscape("com.example.renamed")); len(doc.Data) != 1 || doc.Data[0].ID != "1000000002" || doc.Data[0].Attributes["primaryLocale"] != "en-GB" {
		t.Errorf("after the PATCH, the filter on the new bundle ID finds %+v", doc.Data)
	}
	if status, _ := patch("/v1/apps/1000000002", `{"data":{"type":"apps","id":"1000000002","attributes":{"primaryLocale":null}}}`); status != http.StatusOK {
		t.Errorf("clearing an attribute: %d", status)
	}
	for _, tc := range []struct {
		path, body string
		status     int
		code       string
	}{
		{"/v1/apps/123", `{"data":{"type":"apps","id":"123","attributes":{}}}`, 404, "NOT_FOUND"},
		{"/v1/apps/1000000001", `{"data":{"type":"apps","id":"1000000002","attributes":{}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID"},
		{"/v1/apps/1000000001", `{"data":{"type":"builds","id":"1000000001","attributes":{}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID"},
		{"/v1/apps/1000000001", `{"data":{"type":"apps","id":"1000000001","attributes":{"name":"New"}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.UNKNOWN"},
		{"/v1/apps/1000000001", `{"data":{"type":"apps","id":"1000000001","attributes":{"primaryLocale":1}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.TYPE"},
		{"/v1/apps/1000000001", `{"data":`, 422, "ENTITY_UNPROCESSABLE"},
	} {
		status, body := patch(tc.path, tc.body)
		var e ErrorResponse
		if json.Unmarshal(body, &e) != nil || status != tc.status || len(e.Errors) != 1 || e.Errors[0].Code != tc.code {
			t.Errorf("PATCH %s %s: %d %s; want %d %s", tc.path, tc.body, status, body, tc.status, tc.code)
		}
	}
	if status, _, _ := get(t, srv, "/v1/builds/"+buildID(2, 3), auth); status != http.StatusOK {
		t.Errorf("GET a canned build: %d", status)
	}
	if status, _, _ := get(t, srv, "/v1/builds/nothing", auth); status != http.StatusNotFound {
		t.Errorf("GET an unknown build: %d", status)
	}
}
