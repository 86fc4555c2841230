package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// readFileOrStdin reads what a flag such as --input names: the file name,
// or stdin for "-". Like readBounded, it reads at most limit bytes.
func (c *cmd) readFileOrStdin(name string, limit int) ([]byte, error) {
	if name == "-" {
		return readLimited(c.stdin, limit)
	}
	return readBounded(c.resolve(name), limit)
}

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
	return readLimited(f, limit)
}

// readLimited reads r to its end, refusing more than limit bytes: more is
// a mistake, such as the wrong file, that should fail at once.
func readLimited(r io.Reader, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, withoutPath(err)
	}
	if len(data) > limit {
		return nil, overLimit(limit)
	}
	return data, nil
}

// overLimit is readLimited's error for an input over its limit, which a
// caller may follow with why the limit is enough.
type overLimit int

func (n overLimit) Error() string { return fmt.Sprintf("it holds over %d bytes", int(n)) }

// withoutPath is err without the path an *fs.PathError adds.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
