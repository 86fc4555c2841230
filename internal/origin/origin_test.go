package origin

import (
	"net/url"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

func TestSame(t *testing.T) {
	apitest.CheckPairs(t, "Same", func(a, b string) bool {
		ua, _ := url.Parse(a)
		ub, _ := url.Parse(b)
		return Same(ua, ub)
	}, map[[2]string]bool{
		{"https://api.example.com/a", "https://api.example.com/b?x=1"}: true,
		{"https://api.example.com", "HTTPS://API.example.com:443/"}:    true,
		{"http://h", "http://h:80"}:                                    true,
		{"https://h", "http://h"}:                                      false,
		{"https://h", "https://h:8443"}:                                false,
		{"https://h", "https://sub.h"}:                                 false,
		{"https://[::1]:443/", "https://[::1]/"}:                       true,
	})
}
