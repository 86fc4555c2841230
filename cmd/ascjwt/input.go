package main

import (
	"fmt"
	"io"
)

// argOrStdin returns what decode and verify read: their one argument, or
// stdin when the argument is "-" or absent. It reads at most limit bytes,
// so that a mistake such as piping a whole file fails at once; what names
// the input in errors and tooLarge says why the limit is enough.
func (c *cmd) argOrStdin(args []string, what string, limit int, tooLarge string) (string, error) {
	if len(args) > 1 {
		return "", usagef("want one %s, got %d arguments", what, len(args))
	}
	if len(args) == 1 && args[0] != "" && args[0] != "-" {
		return args[0], nil
	}
	data, err := io.ReadAll(io.LimitReader(c.stdin, int64(limit)+1))
	if err != nil {
		return "", fmt.Errorf("read the %s from stdin: %w", what, err)
	}
	if len(data) > limit {
		return "", fmt.Errorf("stdin holds over %d bytes; %s", limit, tooLarge)
	}
	return string(data), nil
}
