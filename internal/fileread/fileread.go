// Package fileread reads small files (keys, key IDs, API key JSON) with a
// size bound, for the root package and credential discovery alike.
package fileread

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Limited reads a file of at most limit bytes, refusing a larger one
// early. Its errors name the file but hold none of its bytes.
func Limited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err == nil {
		defer f.Close()
		var data []byte
		if data, err = io.ReadAll(io.LimitReader(f, limit+1)); err == nil {
			if int64(len(data)) > limit {
				return nil, fmt.Errorf("%s is over %d bytes, too large for what it should hold", path, limit)
			}
			return data, nil
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is in the message already
	}
	return nil, fmt.Errorf("%s: %w", path, err)
}
