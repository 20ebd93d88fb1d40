package blind

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/motesplats/motesplats/pkg/apperr"
)

func TestWords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want []string }{
		{[]string{"Åsa Öberg"}, []string{"asa", "oberg"}},
		{[]string{"Anna-Lena  O'Brien"}, []string{"anna", "lena", "o", "brien"}},
		{[]string{"Zoë"}, []string{"zoe"}},
		{[]string{"محمّد"}, []string{"محمد"}}, // the shadda is a combining mark
		{[]string{"a b c d e f g"}, []string{"a", "b", "c", "d", "e"}},
		{[]string{"!!"}, nil},
	} {
		if got := Words(tt.in[0]); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.in[0], got, tt.want)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	got := Tokens("Åsa Li", "Öberg")
	want := []string{"asa", "li", "obe", "ober", "oberg"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Tokens (-want +got):\n%s", diff)
	}
}

// TestTokensAsByRunes: Tokens slices each word at rune boundaries, and
// gives the same tokens in the same order as cutting the word's runes
// (how terms already stored were made), for short, long, accented,
// non-Latin and repeated words.
func TestTokensAsByRunes(t *testing.T) {
	t.Parallel()
	byRunes := func(names ...string) []string {
		var out []string
		for _, n := range names {
			for _, w := range Words(n) {
				rs := []rune(w)
				for l := min(MinPrefix, len(rs)); l <= len(rs); l++ {
					if t := string(rs[:l]); !slices.Contains(out, t) {
						out = append(out, t)
					}
				}
			}
		}
		return out
	}
	for _, names := range [][]string{
		{"Åsa Li", "Öberg"},
		{"Anna-Lena", "Mohammed Åström"},
		{"محمّد", "عبد الله"},
		{"Zoë", "Ng", "X"},
		{"Anna Annika", "Anna"},
		{"Ääääääääääääääääääääääääääääääääääääää"},
		{"李小龙", "Nguyễn Thị"},
		{"", "!!"},
	} {
		if diff := cmp.Diff(byRunes(names...), Tokens(names...)); diff != "" {
			t.Errorf("Tokens(%q) (-by runes +got):\n%s", names, diff)
		}
	}
}

// TestTerms: the same token under the same key is the same term, and
// differs under another key; no term holds the name.
func TestTerms(t *testing.T) {
	t.Parallel()
	a, b := New([]byte("key a, thirty-two bytes long....")), New([]byte("key b, thirty-two bytes long...."))
	if a.Term("asa") != a.Term("asa") || a.Term("asa") == b.Term("asa") || a.Term("asa") == a.Term("asb") {
		t.Error("terms are not a keyed function of the token")
	}
	for _, term := range a.Terms("Åsa Öberg") {
		if term == "asa" || len(term) != 22 {
			t.Errorf("term %q", term)
		}
	}
	// Each search word its own name word: two words beginning one word
	// are not a match, the same words over two words are, whichever the
	// first word would take greedily.
	for _, c := range []struct {
		words []string
		names []string
		want  bool
	}{
		{[]string{"tesfay", "tesfaye"}, []string{"Tesfaye", "Abraha"}, false},
		{[]string{"tesfay", "tesfaye"}, []string{"Tesfay", "Tesfaye"}, true},
		{[]string{"tes", "tesfaye"}, []string{"Tesfaye", "Tesfay"}, true},
		{[]string{"anna", "anna"}, []string{"Anna", "Berg"}, false},
		{[]string{"an", "berg"}, []string{"Anna", "Berg"}, false},
		{[]string{"ann", "ber"}, []string{"Anna Maria", "Berg"}, true},
	} {
		if got := Match(c.words, c.names...); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.words, c.names, got, c.want)
		}
	}
	if !Match([]string{"asa", "obe"}, "Åsa", "Öberg") || Match([]string{"asa", "kim"}, "Åsa", "Öberg") {
		t.Error("Match")
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in    string
		words []string
		bad   bool
	}{
		{"", nil, false},
		{"  Moh ", []string{"moh"}, false},
		{"åsa öbe", []string{"asa", "obe"}, false},
		{"--", nil, true},
		{"a\x01b", nil, true},
		{"a b c d e f", nil, true},
		{string(make([]byte, 101)), nil, true},
		{"\xff\xfe", nil, true},
		// A name copied from right-to-left text carries invisible
		// direction marks (ADR 0129): searched as the name, not refused
		// as control characters; a mark alone is no search.
		{"\u200fAnna\u200e", []string{"anna"}, false},
		{"\u2067Mohammed Ali\u2069", []string{"mohammed", "ali"}, false},
		{"Mo\u200bhammed", []string{"mohammed"}, false},
		{"\ufeffÅsa", []string{"asa"}, false},
		{"\u200f", nil, true},
	} {
		var v apperr.Validator
		got := Query(&v, "name", tt.in)
		if !slices.Equal(got, tt.words) || v.Valid() == tt.bad {
			t.Errorf("Query(%q) = %q, valid %v; want %q, bad %v", tt.in, got, v.Valid(), tt.words, tt.bad)
		}
	}
}

// TestTermIsTheKeyedHMAC: a term is 16 bytes of HMAC-SHA256 under the key,
// base64url, however many terms came before on the same Index (reused
// HMACs are reset): terms already stored must still be found.
func TestTermIsTheKeyedHMAC(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	ix := New(key)
	for _, tok := range []string{"asa", "mohammed", "li", "asa"} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("motesplats/name-token/v1\x00" + tok))
		want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
		if got := ix.Term(tok); got != want {
			t.Fatalf("Term(%q) = %q, want %q", tok, got, want)
		}
	}
}

// BenchmarkTerms measures indexing one record's names (ADR 0151).
func BenchmarkTerms(b *testing.B) {
	ix := New(bytes.Repeat([]byte{7}, 32))
	b.ReportAllocs()
	for b.Loop() {
		ix.Terms("Anna-Lena", "Mohammed Åström")
	}
}
