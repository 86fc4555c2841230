package origin

import (
	"strings"
	"testing"
)

func TestCheckAcceptsWhatBrowsersSend(t *testing.T) {
	for _, o := range []string{
		"https://music.example.net", "http://localhost:3000", "https://shop.example.org:8443", "http://192.0.2.7:8080",
		"https://[::1]:8443", "https://xn--mnchen-3ya.example", "safari-web-extension://1e70cb50-300c-47b7-898c-5c082f836d7d",
		"chrome-extension://abcdefghijklmnopabcdefghijklmnop", "moz-extension://0b3f4f2e-8c1a-4d8e-9c7e-2f1f3d4e5a6b",
	} {
		if err := Check(o); err != nil {
			t.Errorf("%q refused: %v", o, err)
		}
	}
}

func TestCheckRefusesWhatNoBrowserSendsWithoutQuotingIt(t *testing.T) {
	for want, origins := range map[string][]string{
		"empty":                                {""},
		"no scheme":                            {"music.example.net", "null", "://music.example.net"},
		"scheme no browser sends":              {"ftp://music.example.net", "file://music.example.net"},
		"ends in a slash":                      {"https://music.example.net/"},
		"path":                                 {"https://music.example.net/player", "https://music.example.net//"},
		"wildcard":                             {"https://*.example.net", "*"},
		"upper-case":                           {"https://Music.example.net", "HTTP://music.example.net"},
		"default port":                         {"https://music.example.net:443", "http://music.example.net:80"},
		"port":                                 {"https://music.example.net:0", "https://music.example.net:08443", "https://music.example.net:65536", "https://music.example.net:"},
		"query or fragment":                    {"https://music.example.net?a=b", "https://music.example.net?", "https://music.example.net#x"},
		"user name or password":                {"https://me@music.example.net", "https://me:pw@music.example.net"},
		"white space":                          {"https://music.exam ple.net", "\thttps://music.example.net", "https://music.example.net\n"},
		"non-ASCII":                            {"https://münchen.example"},
		"no host":                              {"https://", "http://:8080"},
		"neither a DNS name nor an IP address": {"https://music_box.example.net", "https://[fe80::1%25eth0]"},
		"longer than an origin can be":         {"https://" + strings.Repeat("m", 400) + ".net"},
		"looks like a private key":             {"-----BEGIN PRIVATE KEY-----"},
	} {
		for _, o := range origins {
			err := Check(o)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: %v, want an error about %q", o, err, want)
				continue
			}
			if len(o) > 8 && strings.Contains(err.Error(), strings.TrimSpace(o)) {
				t.Errorf("%q: the error quotes the origin: %v", o, err)
			}
		}
	}
}
