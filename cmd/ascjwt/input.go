package main

import (
	"errors"
	"fmt"
)

// parseArgOrStdin parses the flags of decode or verify and returns what
// they read: their one argument, or stdin when the argument is "-" or
// absent, of at most limit bytes, so that a mistake such as piping a whole
// file fails at once. what names the input in errors and tooLarge, added
// to the error of an input over the limit, says why the limit is enough.
func (c *cmd) parseArgOrStdin(fs *flags, args []string, what string, limit int, tooLarge string) (string, error) {
	args, err := fs.parse(args)
	if err != nil {
		return "", err
	}
	if len(args) > 1 {
		return "", usagef("want one %s, got %d arguments", what, len(args))
	}
	if len(args) == 1 && args[0] != "" && args[0] != "-" {
		return args[0], nil
	}
	data, err := readLimited(c.stdin, limit)
	if errors.As(err, new(overLimit)) {
		return "", fmt.Errorf("read the %s from stdin: %w; %s", what, err, tooLarge)
	}
	if err != nil {
		return "", fmt.Errorf("read the %s from stdin: %w", what, err)
	}
	return string(data), nil
}
