package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// readBounded reads the file at path, of at most limit bytes, refusing a
// larger one before reading it all. Its errors hold neither the path nor
// anything the file holds: the caller shows the name once, redacted, with
// what the file should be.
func readBounded(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, withoutPath(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, withoutPath(err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("it is over %s", redact.Bytes(limit))
	}
	return data, nil
}

// withoutPath is err without the path an *fs.PathError adds.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
