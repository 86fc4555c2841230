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
// the code under test handed a client built the way production code builds
// it, and the server's counters to assert that a hundred requests shared
// one token.
func Example() {
	srv := asctest.NewServer()
	defer srv.Close()

	src, err := ascjwt.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	if err := fetchApps(ascjwt.NewClient(srv.Client(), src), srv.URL, 100); err != nil {
		log.Fatal(err)
	}

	st := srv.Stats()
	fmt.Printf("accepted %d, rejected %d, distinct tokens %d\n", st.Accepted, st.Rejected, st.Tokens)
	// Output: accepted 100, rejected 0, distinct tokens 1
}

// fetchApps stands for the code under test: n concurrent requests for the
// apps of the App Store Connect API at baseURL, through client. In
// production, client is ascjwt.NewClient(http.DefaultClient, src) and
// baseURL https://api.appstoreconnect.apple.com.
func fetchApps(client *http.Client, baseURL string, n int) error {
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
