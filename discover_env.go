package ascjwt

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/fastlane"
)

// The sources LoadConfig reads values from: environment variables of each
// tool, and fastlane's API key JSON file.

// maxIDFileSize bounds a file that holds an ID (Codemagic's @file:), so that
// a variable naming a large file by mistake fails fast.
const maxIDFileSize = 4 << 10

// envFamily lists one tool's variable names; empty means the tool has none.
type envFamily struct {
	keyID, issuerID                string
	keyContent, keyBase64, keyPath string
	contentIsBase64                string // fastlane's IS_KEY_CONTENT_BASE64
	duration, inHouse              string
	indirect                       bool // values may be @file:PATH or @env:NAME (Codemagic)
}

// envFamilies are searched in this order: our own names, then the tools in
// order of how specific their names are to App Store Connect keys.
var envFamilies = []envFamily{
	{keyID: "ASC_KEY_ID", issuerID: "ASC_ISSUER_ID", keyContent: "ASC_PRIVATE_KEY", keyBase64: "ASC_PRIVATE_KEY_B64", keyPath: "ASC_PRIVATE_KEY_PATH"},
	{ // fastlane's app_store_connect_api_key action
		keyID: "APP_STORE_CONNECT_API_KEY_KEY_ID", issuerID: "APP_STORE_CONNECT_API_KEY_ISSUER_ID",
		keyContent: "APP_STORE_CONNECT_API_KEY_KEY", keyPath: "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH",
		contentIsBase64: "APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64",
		duration:        "APP_STORE_CONNECT_API_KEY_DURATION", inHouse: "APP_STORE_CONNECT_API_KEY_IN_HOUSE",
	},
	{ // fastlane's spaceship library
		keyID: "SPACESHIP_CONNECT_API_KEY_ID", issuerID: "SPACESHIP_CONNECT_API_ISSUER_ID",
		keyContent: "SPACESHIP_CONNECT_API_KEY", keyPath: "SPACESHIP_CONNECT_API_KEY_FILEPATH",
		duration: "SPACESHIP_CONNECT_API_TOKEN_DURATION", inHouse: "SPACESHIP_CONNECT_API_IN_HOUSE",
	},
	{ // Codemagic's CLI tools
		keyID: "APP_STORE_CONNECT_KEY_IDENTIFIER", issuerID: "APP_STORE_CONNECT_ISSUER_ID",
		keyContent: "APP_STORE_CONNECT_PRIVATE_KEY", indirect: true,
	},
}

// apiKeyJSONVars name the fastlane JSON file, after the flag.
var apiKeyJSONVars = []string{"ASC_API_KEY_JSON", "APP_STORE_CONNECT_API_KEY_PATH"}

func (l *loader) collectEnv(fam envFamily) error {
	for _, id := range []struct {
		name string
		list *[]setting[string]
	}{{fam.keyID, &l.keyIDs}, {fam.issuerID, &l.issuerIDs}} {
		v, ok := l.env(id.name)
		if !ok {
			continue
		}
		source := id.name
		if fam.indirect {
			var path string
			var err error
			if v, source, path, err = l.indirect(id.name, v); err != nil {
				return err
			}
			if path != "" {
				data, err := readFile(path, maxIDFileSize)
				if err != nil {
					return fmt.Errorf("ascjwt: %s: %w", source, err)
				}
				v = string(data)
			}
		}
		addID(id.list, source, v)
	}

	isBase64 := false
	if v, ok := l.env(fam.contentIsBase64); ok {
		b, err := parseBool(v)
		if err != nil {
			return fmt.Errorf("ascjwt: %s %q: %w", fam.contentIsBase64, v, err)
		}
		isBase64 = b
	}
	if v, ok := l.env(fam.keyContent); ok {
		ks := keySource{source: fam.keyContent, content: []byte(v), base64: isBase64}
		if fam.indirect {
			var err error
			if v, ks.source, ks.path, err = l.indirect(fam.keyContent, v); err != nil {
				return err
			}
			ks.content = []byte(v)
			if ks.path != "" {
				ks.content = nil
			}
		}
		l.keys = append(l.keys, ks)
	}
	if v, ok := l.env(fam.keyBase64); ok {
		l.keys = append(l.keys, keySource{source: fam.keyBase64, content: []byte(v), base64: true})
	}
	if v, ok := l.env(fam.keyPath); ok {
		l.keys = append(l.keys, keySource{source: fam.keyPath, path: l.path(strings.TrimSpace(v))})
	}
	if v, ok := l.env(fam.duration); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("ascjwt: %s %q is not a whole number of seconds", fam.duration, v)
		}
		d, err := fastlane.Seconds(float64(n))
		if err != nil {
			return fmt.Errorf("ascjwt: %s: %w", fam.duration, err)
		}
		l.durations = append(l.durations, setting[time.Duration]{fam.duration, d})
	}
	if v, ok := l.env(fam.inHouse); ok {
		b, err := parseBool(v)
		if err != nil {
			return fmt.Errorf("ascjwt: %s %q: %w", fam.inHouse, v, err)
		}
		l.inHouse = append(l.inHouse, setting[bool]{fam.inHouse, b})
	}
	return nil
}

// indirect follows Codemagic's "@env:NAME" and "@file:PATH" values, one
// level deep. For a file it returns its absolute path and no value.
func (l *loader) indirect(name, v string) (value, source, path string, err error) {
	switch {
	case strings.HasPrefix(v, "@env:"):
		other := strings.TrimSpace(v[len("@env:"):])
		w, ok := l.env(other)
		if !ok {
			return "", "", "", fmt.Errorf("ascjwt: %s is @env:%s, but %s is not set", name, other, other)
		}
		return w, fmt.Sprintf("%s (@env:%s)", name, other), "", nil
	case strings.HasPrefix(v, "@file:"):
		p := l.path(strings.TrimSpace(v[len("@file:"):]))
		return "", fmt.Sprintf("%s (@file:%s)", name, p), p, nil
	}
	return v, name, "", nil
}

// parseBool reads the booleans of fastlane's options and spaceship's
// variables.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return false, errors.New("want true or false")
}

// collectJSON reads the first API key JSON file named, telling the user when
// another one named is ignored.
func (l *loader) collectJSON() error {
	var chosen setting[string]
	names := []setting[string]{}
	if p := l.opts.Flags.APIKeyJSON; p != "" {
		names = append(names, setting[string]{flagName(l.opts.FlagNames.APIKeyJSON, "Credentials.APIKeyJSON"), l.path(p)})
	}
	for _, name := range apiKeyJSONVars {
		if v, ok := l.env(name); ok {
			names = append(names, setting[string]{name, l.path(strings.TrimSpace(v))})
		}
	}
	if len(names) == 0 {
		return nil
	}
	chosen = names[0]
	for _, other := range names[1:] {
		if other.v != chosen.v {
			l.notify("API key JSON: using %s from %s; ignoring %s from %s", chosen.v, chosen.source, other.v, other.source)
		}
	}
	l.jsonPath = chosen.v
	data, err := readFile(chosen.v, fastlane.MaxSize)
	if err != nil {
		return fmt.Errorf("ascjwt: API key JSON from %s: %w", chosen.source, err)
	}
	k, err := fastlane.Parse(data)
	if err != nil {
		return fmt.Errorf("ascjwt: API key JSON %s (from %s): %w", chosen.v, chosen.source, err)
	}
	in := func(field string) string { return field + " in " + chosen.v }
	addID(&l.keyIDs, in("key_id"), k.KeyID)
	addID(&l.issuerIDs, in("issuer_id"), k.IssuerID)
	if k.Key != "" {
		l.keys = append(l.keys, keySource{source: in("key"), content: []byte(k.Key), base64: k.KeyIsBase64})
	}
	if k.FilePath != "" {
		p := k.FilePath
		if !filepath.IsAbs(p) && !strings.HasPrefix(p, "~/") {
			p = filepath.Join(filepath.Dir(chosen.v), p) // next to the JSON, where people keep it
		}
		l.keys = append(l.keys, keySource{source: in("filepath"), path: l.path(p)})
	}
	if k.Duration != 0 {
		l.durations = append(l.durations, setting[time.Duration]{in("duration"), k.Duration})
	}
	if k.HasInHouse {
		l.inHouse = append(l.inHouse, setting[bool]{in("in_house"), k.InHouse})
	}
	return nil
}
