package links

import (
	"bytes"
	"strings"
	"testing"
)

// fuzzKey is the fuzz targets' HMAC key: fixed, so a seed token made with
// it checks, and a mutation of it is what the fuzzer explores.
var fuzzKey = bytes.Repeat([]byte{7}, KeySize)

// fuzzToken is a token Keys over fuzzKey issued, for the seeds.
func fuzzToken(f *testing.F) string {
	k, err := NewKeys(fuzzKey)
	if err != nil {
		f.Fatal(err)
	}
	tok, _, err := k.New()
	if err != nil {
		f.Fatal(err)
	}
	return tok
}

// FuzzCheck: an answer link's token is the visitor's only proof (GET
// /a/{token}). Check never panics; a token it takes is the one spelling
// Keys issues of its id and MAC (no second spelling of a link, ADR
// 0195), and one character changed anywhere in a token it takes is
// refused.
func FuzzCheck(f *testing.F) {
	good := fuzzToken(f)
	for _, s := range []string{good, good[:len(good)-1], good + "A", strings.ToUpper(good), "", "a.b", strings.Repeat("A", MaxTokenLen+1),
		good[:42] + "B", good + "=", "\xff"} {
		f.Add(s)
	}
	k, err := NewKeys(fuzzKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		id, ok := k.Check(tok)
		if !ok {
			if id != "" {
				t.Fatalf("Check(%q) refused it and named %q", tok, id)
			}
			return
		}
		raw, err := b64.DecodeString(tok)
		if err != nil || b64.EncodeToString(raw) != tok {
			t.Fatalf("Check took %q, which is not the spelling Keys issues", tok)
		}
		for i := range len(tok) {
			c := byte('A')
			if tok[i] == 'A' {
				c = 'B'
			}
			other := tok[:i] + string(c) + tok[i+1:]
			if _, ok := k.Check(other); ok {
				t.Fatalf("Check took %q and %q, one character apart", tok, other)
			}
		}
	})
}

// FuzzParseKey: MP_LINK_KEY is an operator's text. ParseKey never panics,
// and what it takes is KeySize bytes, or it refuses without quoting the
// text (the key is a secret).
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"", "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc", " \tBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc\n",
		"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw", "not a key", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseKey(s)
		switch {
		case err == nil && len(b) != KeySize:
			t.Fatalf("ParseKey(%q) took %d bytes", s, len(b))
		case err != nil && len(strings.TrimSpace(s)) > 3 && strings.Contains(err.Error(), strings.TrimSpace(s)):
			t.Fatalf("the refusal %q quotes the key", err)
		case err == nil:
			if _, err := NewKeys(b); err != nil {
				t.Fatalf("ParseKey took %q, NewKeys refuses it: %v", s, err)
			}
		}
	})
}
