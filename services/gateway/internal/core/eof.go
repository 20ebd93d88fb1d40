package core

import (
	"errors"
	"io"
)

// isEOF reports the normal end of a server stream.
func isEOF(err error) bool { return errors.Is(err, io.EOF) }
