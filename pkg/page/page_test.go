package page

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	if got := Encode(""); got != "" {
		t.Fatalf("Encode(\"\")=%q, want empty", got)
	}
	tok := Encode("0190c3d2-7b1e-7cc0-9a4e-1f2d3c4b5a69")
	after, ok := Decode(tok)
	if !ok || after != "0190c3d2-7b1e-7cc0-9a4e-1f2d3c4b5a69" {
		t.Fatalf("Decode(Encode(x))=%q,%v", after, ok)
	}
	for _, bad := range []string{"garbage!", Encode("a.b"), "djE6"} {
		if _, ok := Decode(bad); ok {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
	var v apperr.Validator
	size, _ := Check(&v, 0, "")
	if size != DefaultSize || !v.Valid() {
		t.Fatalf("Check(0)=%d valid=%v", size, v.Valid())
	}
	Check(&v, MaxSize+1, "x")
	if got := len(apperr.Violations(v.Err())); got != 2 {
		t.Fatalf("violations=%d, want 2", got)
	}
}

// TestDecodeOneSpelling: base64 without padding leaves bits of the last
// character that carry no data, and Go's decoders skip line breaks, so
// "djE6Z0" and "djE6\nZw" were the page "djE6Zw" names too (FuzzDecode's
// find). A token is taken only as Encode spells it (ADR 0213), as the
// answer links' are (ADR 0195).
func TestDecodeOneSpelling(t *testing.T) {
	t.Parallel()
	if after, ok := Decode("djE6Zw"); !ok || after != "g" {
		t.Fatalf(`Decode("djE6Zw") = %q, %t`, after, ok)
	}
	for _, tok := range []string{"djE6Z0", "djE6Zx", "djE6\nZw", "djE6Zw\r\n"} {
		if after, ok := Decode(tok); ok {
			t.Errorf("Decode(%q) = %q: a second spelling of the page", tok, after)
		}
	}
}
