package asctest_test

import (
	"fmt"
	"log"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
)

// A test of your own code: a fake App Store Connect API with a fresh key,
// the code under test handed the fake's Config and base client in place of
// production's, so that it builds its client as in production, and the
// server's counters to assert that a hundred requests shared one token.
func Example() {
	srv := asctest.NewServer()
	defer srv.Close()

	if err := fetchApps(srv.Config(), srv.Client(), srv.URL, 100); err != nil {
		log.Fatal(err)
	}

	st := srv.Stats()
	fmt.Printf("accepted %d, rejected %d, distinct tokens %d\n", st.Accepted, st.Rejected, st.Tokens)
	// Output: accepted 100, rejected 0, distinct tokens 1
}

// fetchApps stands for the code under test: n concurrent requests for the
// apps of the App Store Connect API at baseURL, with tokens for cfg, through
// base. In production, cfg holds your key, base is http.DefaultClient and
// baseURL is ascjwt.AppStoreConnectURL.
func fetchApps(cfg ascjwt.Config, base *http.Client, baseURL string, n int) error {
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		return err
	}
	client := ascjwt.NewClient(base, src)
	var g errgroup.Group
	for range n {
		g.Go(func() error {
			resp, err := client.Get(baseURL + "/v1/apps")
			if err != nil {
				return err
			}
			return resp.Body.Close()
		})
	}
	return g.Wait()
}
