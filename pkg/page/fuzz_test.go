package page

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
)

// FuzzDecode: a page token is the caller's bytes. Decode never panics;
// what it takes names a valid id and is exactly the token Encode makes
// for that id (one spelling per page, ADR 0213), and Check refuses what
// Decode refuses, naming page_token and no value.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", Encode("01a2b3c4-0000-7000-8000-000000000000"), "x", "djE6", "djE6Kg", "djE6YS5i",
		strings.Repeat("A", 1000), "djE6YQ==", "djE6YQ", "djE6YQ=", "\xff"} {
		f.Add(s, int32(0))
	}
	f.Add("djE6YQ", int32(-1))
	f.Add("", int32(MaxSize+1))
	f.Fuzz(func(t *testing.T, tok string, size int32) {
		after, ok := Decode(tok)
		if ok && tok != "" {
			if !ids.Valid(after) {
				t.Fatalf("Decode(%q) took %q, not an id", tok, after)
			}
			if again := Encode(after); again != tok {
				t.Fatalf("Decode(%q) = %q, whose token is %q: two spellings of one page", tok, after, again)
			}
		}
		var v apperr.Validator
		n, got := Check(&v, size, tok)
		if ok != !slicesHas(apperr.Violations(v.Err()), "page_token") {
			t.Fatalf("Check(%q) disagrees with Decode (ok %t): %v", tok, ok, v.Err())
		}
		if sized := !slicesHas(apperr.Violations(v.Err()), "page_size"); ok && got != after || sized && (n < 1 || n > MaxSize) {
			t.Fatalf("Check(%d, %q) = %d, %q", size, tok, n, got)
		}
		for _, fv := range apperr.Violations(v.Err()) {
			if len(tok) >= 4 && strings.Contains(fv.Description, tok) {
				t.Fatalf("the refusal %q echoes the token", fv.Description)
			}
		}
	})
}

func slicesHas(vs []apperr.FieldViolation, field string) bool {
	for _, v := range vs {
		if v.Field == field {
			return true
		}
	}
	return false
}
