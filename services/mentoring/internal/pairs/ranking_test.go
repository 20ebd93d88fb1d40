package pairs

import (
	"encoding/base64"
	"testing"

	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
)

// TestScoreTokenOneSpelling: a ranking token decodes only in the spelling
// encodeToken makes (ADR 0213, as page.Decode), so one page has one token:
// a line break inside, base64's unused last bits set, or the points
// written "+5" or "05" are refused, and the token itself round-trips.
func TestScoreTokenOneSpelling(t *testing.T) {
	t.Parallel()
	id := ids.UUIDv7{}.New()
	pos := store.At(keyOfScore(5), id)
	tok := encodeToken("score", pos)
	got, ok := decodeScoreToken(tok)
	if !ok || got != pos {
		t.Fatalf("decode(encode) = %q, %v; want %q, true", got, ok, pos)
	}
	// The last character of an unpadded base64 text carries unused bits
	// unless the text's length is a multiple of 4: flip the lowest one.
	last := tok[len(tok)-1]
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := 0
	for alphabet[i] != last {
		i++
	}
	spare := tok[:len(tok)-1] + string(alphabet[i^1])
	for name, other := range map[string]string{
		"line break": tok[:4] + "\n" + tok[4:],
		"spare bits": spare,
		"plus sign":  base64.RawURLEncoding.EncodeToString([]byte("s1:+5:" + id)),
		"zero first": base64.RawURLEncoding.EncodeToString([]byte("s1:05:" + id)),
	} {
		if other == tok {
			continue
		}
		if got, ok := decodeScoreToken(other); ok {
			t.Errorf("%s: %q decoded to %q; want refused", name, other, got)
		}
	}
}
