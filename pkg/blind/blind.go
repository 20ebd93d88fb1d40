// Package blind is a blind index of names: sealed records (pkg/seal, ADR
// 0030) cannot be searched by what they hold, so each name is cut into
// normalised words and their prefixes, and each such token is indexed by
// its keyed HMAC, never in clear. A search computes the same HMACs of what
// was typed and looks them up. Without the key a term says nothing about
// the name; with the key a guess can be tested, so the key is kept in the
// key store (seal.Keyring.IndexKey) and never leaves the service.
//
// Normalisation makes a search forgiving as a coordinator types: lower
// case, compatibility decomposition with the combining marks dropped
// ("Åsa" and "asa", "Zoë" and "zoe" are one word), words split at anything
// that is not a letter or digit ("Anna-Lena" is "anna" and "lena"). Every
// prefix of three or more letters of a word is a token (as you type:
// "moh" finds "Mohammed"), and so is the whole word (a two-letter "Li").
// See docs/adr/0084-blind-name-index.md.
package blind

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// Bounds of what is indexed and searched (ADR 0050: every input capped).
const (
	// MinPrefix is the shortest prefix indexed: shorter typed words match
	// whole words only.
	MinPrefix = 3
	// MaxWordRunes caps the length of an indexed word; longer words are
	// indexed by their first MaxWordRunes letters.
	MaxWordRunes = 32
	// MaxWords caps the words indexed per name and the words of a search.
	MaxWords = 5
	// MaxQueryRunes caps a search's length.
	MaxQueryRunes = 100
)

// Index computes the terms of one key. The zero value is not usable: use
// New.
type Index struct {
	key []byte
	// macs reuses keyed HMACs with their scratch space (*mac): a new HMAC
	// costs two hash states and the key pads, once per term of every
	// record written (ADR 0151).
	macs sync.Pool
}

// mac is a keyed HMAC with the scratch space of one term, so that a term
// allocates only its string (ADR 0174).
type mac struct {
	h   hash.Hash
	buf []byte // termDomain and the token, written at once
	sum [sha256.Size]byte
}

// termDomain starts every hashed token, so a term cannot be mistaken for
// an HMAC of anything else made with the same key.
const termDomain = "motesplats/name-token/v1\x00"

// maxKeptBuf bounds the scratch kept in the pool: an odd long token (Term
// is exported) must not keep a large buffer alive.
const maxKeptBuf = 1024

// New returns an Index keyed with key (32 bytes from the key store).
func New(key []byte) *Index {
	ix := &Index{key: slices.Clone(key)}
	ix.macs.New = func() any { return &mac{h: hmac.New(sha256.New, ix.key)} }
	return ix
}

// Unkeyed returns an Index for a service that runs without a key store
// (tests that store records in clear): its key derives from name alone,
// so it hides nothing and must not be used where records are sealed.
func Unkeyed(name string) *Index {
	sum := sha256.Sum256([]byte("motesplats/blind-index/unkeyed/" + name))
	return New(sum[:])
}

// Term is the index term of one normalised word or prefix: 16 bytes of its
// HMAC-SHA256, base64url.
func (ix *Index) Term(token string) string {
	m := ix.macs.Get().(*mac)
	m.h.Reset()
	m.buf = append(append(m.buf[:0], termDomain...), token...)
	m.h.Write(m.buf)
	var out [22]byte // base64url of 16 bytes, unpadded
	base64.RawURLEncoding.Encode(out[:], m.h.Sum(m.sum[:0])[:16])
	if cap(m.buf) > maxKeptBuf {
		m.buf = nil
	}
	ix.macs.Put(m)
	return string(out[:])
}

// Terms returns the terms of every token of names (given name, family
// name), without repeats: what a record is indexed under.
func (ix *Index) Terms(names ...string) []string {
	tokens := Tokens(names...)
	out := make([]string, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, ix.Term(t))
	}
	return out
}

// Tokens returns the normalised words of names and their prefixes of
// MinPrefix or more letters, without repeats. The prefixes are slices of
// their word, not copies.
func Tokens(names ...string) []string {
	var out []string
	add := func(t string) {
		if out == nil {
			// Room for a typical name's tokens (two words of up to eight
			// letters) at once, rather than growing four times.
			out = make([]string, 0, 16)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, n := range names {
		for _, w := range Words(n) {
			first := min(MinPrefix, utf8.RuneCountInString(w))
			l := 0 // runes before byte i
			for i := range w {
				if l >= first {
					add(w[:i])
				}
				l++
			}
			add(w)
		}
	}
	return out
}

// Words returns the normalised words of s: lower case, combining marks
// dropped after compatibility decomposition, split at anything but a
// letter or digit; at most MaxWords words of at most MaxWordRunes letters.
func Words(s string) []string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a diacritic: "é" is "e" and a mark
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	if len(words) > MaxWords {
		words = words[:MaxWords]
	}
	for i, w := range words {
		if utf8.RuneCountInString(w) > MaxWordRunes {
			words[i] = string([]rune(w)[:MaxWordRunes])
		}
	}
	return words
}

// Query checks a name search typed by a user and returns its normalised
// words, adding a violation of field to v when it is too long, not text,
// or holds no letter or digit. "" is no search: no words, no violation.
// Invisible format characters (direction marks, zero-width spaces, a byte
// order mark: Unicode's Cf) are dropped, not refused: a name copied from
// right-to-left text carries them, and no name holds one (ADR 0129).
func Query(v *apperr.Validator, field, s string) []string {
	if s == "" {
		return nil
	}
	switch {
	case len(s) > 4*MaxQueryRunes || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxQueryRunes:
		v.Add(field, fmt.Sprintf("must be text of at most %d characters", MaxQueryRunes))
		return nil
	}
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	switch {
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && !unicode.IsSpace(r) }) >= 0:
		v.Add(field, "must not contain control characters")
		return nil
	}
	words := Words(s)
	if len(words) == 0 {
		v.Add(field, "must contain a letter or digit")
		return nil
	}
	if len(strings.Fields(s)) > MaxWords {
		v.Add(field, fmt.Sprintf("must be at most %d words", MaxWords))
		return nil
	}
	return words
}

// Match reports whether every word of a search begins a word of names
// (is the word, or a prefix of at least MinPrefix letters), each search
// word its own name word: the check of a record found through one word's
// term against the others. "Tesfay Tesfaye" is not every Tesfaye (both
// words would begin the one word "tesfaye"); a user typing two words means
// two words of the name.
func Match(words []string, names ...string) bool {
	var of []string
	for _, n := range names {
		of = append(of, Words(n)...)
	}
	used := make([]bool, len(of))
	// At most MaxWords search words against a name's few words: trying
	// each assignment is cheap, and a greedy one fails "tes tesfaye"
	// against "Tesfaye Tesfay" when "tes" takes "tesfaye" first.
	var fit func(i int) bool
	fit = func(i int) bool {
		if i == len(words) {
			return true
		}
		for j, w := range of {
			if !used[j] && begins(words[i], w) {
				used[j] = true
				if fit(i + 1) {
					return true
				}
				used[j] = false
			}
		}
		return false
	}
	return fit(0)
}

// begins reports whether q is w or one of w's indexed prefixes (Tokens).
func begins(q, w string) bool {
	return q == w || (strings.HasPrefix(w, q) && utf8.RuneCountInString(q) >= MinPrefix)
}
