// Package page makes the opaque page tokens of List calls. A token is the
// last id of a page, encoded so clients pass it back rather than build it.
package page

import (
	"encoding/base64"
	"fmt"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
)

// Size bounds for List calls.
const (
	DefaultSize = 50
	MaxSize     = 500
)

// Encode returns the token for a page ending at after; empty at the end.
func Encode(after string) string {
	if after == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + after))
}

// Decode returns the id a token continues after; ok is false for anything
// that is not a token from Encode. The empty token starts at the beginning.
func Decode(tok string) (after string, ok bool) {
	if tok == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 4 || string(b[:3]) != "v1:" || !ids.Valid(string(b[3:])) {
		return "", false
	}
	// One spelling per page: base64 leaves bits of the last character
	// that carry no data, and skips line breaks (ADR 0213).
	if Encode(string(b[3:])) != tok {
		return "", false
	}
	return string(b[3:]), true
}

// Check validates a page size and token into v, and returns the size to
// use (DefaultSize for 0) and the id to continue after.
func Check(v *apperr.Validator, size int32, token string) (int, string) {
	if size < 0 || size > MaxSize {
		v.Add("page_size", fmt.Sprintf("must be between 0 and %d", MaxSize))
	}
	after, ok := Decode(token)
	if !ok {
		v.Add("page_token", "is not a token from a previous response")
	}
	if size == 0 {
		size = DefaultSize
	}
	return int(size), after
}
