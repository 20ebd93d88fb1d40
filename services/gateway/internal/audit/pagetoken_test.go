package audit

import (
	"strconv"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// TestPageTokenOneSpelling: a page token is a stream sequence written as
// strconv.FormatUint writes it (ADR 0213's one spelling per token, 0218).
// ParseUint took "05" and "0005" for 5, so one page had many tokens. Every
// other spelling is refused in the words of any token no page gave, in
// both orders; the canonical one still pages.
func TestPageTokenOneSpelling(t *testing.T) {
	t.Parallel()
	l, ctx := openLog(t)
	for range 8 {
		if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u1"), Action: "read", ResourceType: "participant", ResourceId: issued("p1")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, newest := range []bool{false, true} {
		es, next, err := l.Search(ctx, Query{PageSize: 3, NewestFirst: newest})
		if err != nil || len(es) != 3 || next == "" {
			t.Fatalf("newest first %v: the first page: %d entries, next %q, %v", newest, len(es), next, err)
		}
		if _, _, err := l.Search(ctx, Query{PageSize: 3, NewestFirst: newest, PageToken: next}); err != nil {
			t.Errorf("newest first %v: the token %q refused: %v", newest, next, err)
		}
		for _, tok := range []string{"0" + next, "00" + next, "+" + next, " " + next, next + " ", next + "\n", "0x" + next, "-" + next, "0", "", "1_0"} {
			if tok == "" {
				continue // no token: the first page
			}
			_, _, err := l.Search(ctx, Query{PageSize: 3, NewestFirst: newest, PageToken: tok})
			if apperr.ErrorCode(err) != apperr.Invalid || !strings.Contains(err.Error(), "page_token") ||
				!strings.Contains(err.Error(), "is not a token from a previous page") {
				t.Errorf("newest first %v: token %q: %v, want Invalid: page_token is not a token from a previous page", newest, tok, err)
			}
		}
	}
}

// FuzzPageSeq: a token is taken only in the one spelling a page writes.
func FuzzPageSeq(f *testing.F) {
	for _, s := range []string{"5", "05", "+5", "18446744073709551615", "0", " 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		seq, err := pageSeq(tok)
		if err != nil {
			if apperr.ErrorCode(err) != apperr.Invalid {
				t.Fatalf("%q: %v, want Invalid", tok, err)
			}
			return
		}
		if got := strconv.FormatUint(seq, 10); got != tok {
			t.Fatalf("%q taken as %d, whose token is %q", tok, seq, got)
		}
	})
}
