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
