package asctest

import (
	"fmt"
	"net/http"
	"strconv"
)

// The default routes serve a fixed list of apps in the JSON:API shape of the
// real /v1/apps, with paging through links.next, so that clients can be
// tested for decoding and pagination.

const appCount = 5

type resource struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Attributes map[string]string `json:"attributes"`
	Links      map[string]string `json:"links"`
}

type document struct {
	Data  any               `json:"data"`
	Links map[string]string `json:"links"`
	Meta  any               `json:"meta,omitempty"`
}

func (s *Server) routeApps() {
	s.defaults.HandleFunc("GET /v1/apps", s.listApps)
	s.defaults.HandleFunc("GET /v1/apps/{id}", s.getApp)
	s.defaults.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The specified resource does not exist",
			fmt.Sprintf("The path provided does not match a defined resource type: %s %s", r.Method, r.URL.Path))
	})
}

func app(base string, i int) resource {
	id := strconv.Itoa(1000000000 + i)
	return resource{
		Type: "apps",
		ID:   id,
		Attributes: map[string]string{
			"name":          fmt.Sprintf("Example App %d", i),
			"bundleId":      fmt.Sprintf("com.example.app%d", i),
			"sku":           fmt.Sprintf("EXAMPLE%d", i),
			"primaryLocale": "en-US",
		},
		Links: map[string]string{"self": base + "/v1/apps/" + id},
	}
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	query := r.URL.Query()
	limit, offset := 50, 0
	if v := query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			writeError(w, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value",
				fmt.Sprintf("'%s' is not a valid value for 'limit': want 1 to 200", v))
			return
		}
		limit = n
	}
	if v := query.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > appCount {
			writeError(w, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value",
				fmt.Sprintf("'%s' is not a valid cursor", v))
			return
		}
		offset = n
	}
	data := []resource{}
	for i := offset; i < appCount && i < offset+limit; i++ {
		data = append(data, app(base, i+1))
	}
	links := map[string]string{"self": base + r.URL.RequestURI()}
	if next := offset + limit; next < appCount {
		q := r.URL.Query()
		q.Set("cursor", strconv.Itoa(next))
		q.Set("limit", strconv.Itoa(limit))
		links["next"] = base + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, document{
		Data:  data,
		Links: links,
		Meta:  map[string]any{"paging": map[string]int{"total": appCount, "limit": limit}},
	})
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n, err := strconv.Atoi(id)
	if i := n - 1000000000; err != nil || i < 1 || i > appCount {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The specified resource does not exist",
			fmt.Sprintf("There is no resource of type 'apps' with id '%s'", id))
		return
	}
	base := baseURL(r)
	writeJSON(w, http.StatusOK, document{Data: app(base, n-1000000000), Links: map[string]string{"self": base + r.URL.Path}})
}
