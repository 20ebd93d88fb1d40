package api

import (
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Values protojson refuses in its own English ("invalid value for int32
// field pageSize", "duplicate field", "google.protobuf.FieldMask.paths
// contains invalid path") are named as field violations too (ADR 0135):
// the walk finds them only in a body protojson has already refused, and
// says what the field takes, never the value sent.

// Descriptions of these violations (the catalogue has each in Swedish).
const (
	int32Text        = "must be a whole number from -2147483648 to 2147483647"
	uint32Text       = "must be a whole number from 0 to 4294967295"
	int64Text        = "must be a whole number from -9223372036854775808 to 9223372036854775807"
	uint64Text       = "must be a whole number from 0 to 18446744073709551615"
	duplicateText    = "is given more than once; give each field once"
	oneofText        = "is one of a group of fields of which only one may be given"
	duplicateKeyText = "is given more than once; give each key once"
	fieldMaskText    = "must list field names in lowerCamelCase separated by commas, for example givenName,email"
	halfCharText     = "holds half a character (a \\u escape of a lone UTF-16 surrogate); send the whole character"
	// notUTF8Text names a string or key with bytes that are not UTF-8:
	// protojson refused the whole body ("syntax error (line 1:10):
	// invalid UTF-8 in string") and named no field (outside round s29).
	notUTF8Text = "must be valid UTF-8 text"
)

// intRange is what an integer field of kind k takes, and the words for it;
// ok is false for a kind that is no integer.
func intRange(k protoreflect.Kind) (lo, hi *big.Int, text string, ok bool) {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return big.NewInt(math.MinInt32), big.NewInt(math.MaxInt32), int32Text, true
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return big.NewInt(0), big.NewInt(math.MaxUint32), uint32Text, true
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64), int64Text, true
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return big.NewInt(0), new(big.Int).SetUint64(math.MaxUint64), uint64Text, true
	}
	return nil, nil, "", false
}

// jsonNumber is a JSON number literal, as protojson reads one from a
// string ("123" for an int64, as protojson writes those).
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// wholeNumber reports whether the token (a json.Number, or a string
// holding one) is an integer from lo to hi, as protojson takes it: "1.0"
// and "1e2" are whole numbers, "1.5" and a number with spaces around it
// in its string are not.
func wholeNumber(tok any, lo, hi *big.Int) bool {
	var s string
	switch t := tok.(type) {
	case json.Number:
		s = string(t)
	case string:
		if !jsonNumber.MatchString(t) {
			return false
		}
		s = t
	default:
		return false
	}
	// An exponent past 40 (or a literal past 64 bytes) is far outside any
	// range; big.Rat would spend time and memory building it.
	if len(s) > 64 {
		return false
	}
	if _, exp, found := strings.Cut(strings.ToLower(s), "e"); found {
		if e, err := strconv.Atoi(exp); err != nil || e > 40 || e < -40 {
			return false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() {
		return false
	}
	n := r.Num()
	return n.Cmp(lo) >= 0 && n.Cmp(hi) <= 0
}

// fieldMaskPaths reports whether s is a field mask as protojson reads one
// from JSON: comma-separated lowerCamelCase names, dotted for a nested
// field, no underscores.
func fieldMaskPaths(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return true
	}
	for _, p := range strings.Split(s, ",") {
		if strings.Contains(p, "_") || !protoreflect.FullName(jsonSnakeCase(p)).IsValid() {
			return false
		}
	}
	return true
}

// jsonSnakeCase is protojson's conversion of a mask path's JSON name to
// the proto name: an underscore before each upper-case ASCII letter,
// lowered.
func jsonSnakeCase(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			b.WriteByte('_')
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// integer walks an integer field's value: a whole number from lo to hi
// (text says so when it is not), or null where nullOK.
func (w *jsonWalk) integer(path string, lo, hi *big.Int, text string, nullOK bool) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		if !nullOK {
			w.v.Add(path, text)
		}
		return nil
	}
	if d, ok := tok.(json.Delim); ok {
		w.v.Add(path, text)
		if d == '{' || d == '[' {
			return w.skipOpen()
		}
		return errNotJSONRequest
	}
	if !wholeNumber(tok, lo, hi) {
		w.v.Add(path, text)
	}
	return nil
}

// fieldMask walks a google.protobuf.FieldMask: null, or a string of paths
// protojson reads.
func (w *jsonWalk) fieldMask(path string) error {
	tok, err := w.dec.Token()
	if err != nil || tok == nil {
		return err
	}
	switch t := tok.(type) {
	case string:
		if !fieldMaskPaths(t) {
			w.v.Add(path, fieldMaskText)
		}
	case json.Delim:
		w.v.Add(path, fieldMaskText)
		if t == '{' || t == '[' {
			return w.skipOpen()
		}
		return errNotJSONRequest
	default:
		w.v.Add(path, fieldMaskText)
	}
	return nil
}

// text reads a string value at path and names it when it holds a \u
// escape of half a character: protojson refuses such a body as
// "unexpected EOF", which sends a caller looking for a cut-off body, and
// encoding/json has already turned the half into U+FFFD in the token, so
// the escape is looked for in the raw bytes the token came from.
func (w *jsonWalk) text(path string, nullOK bool) error {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case nil:
		if !nullOK {
			w.v.Add(path, textText)
		}
	case json.Delim:
		return w.wrongOpen(path, t, textText)
	case bool, json.Number:
		w.v.Add(path, textText)
	case string:
		raw := w.raw[start:w.dec.InputOffset()]
		switch {
		case loneSurrogate(raw):
			w.v.Add(path, halfCharText)
		case !utf8.Valid(raw):
			// encoding/json reads such bytes as U+FFFD; protojson refuses.
			w.v.Add(path, notUTF8Text)
		}
	}
	return nil
}

// loneSurrogate reports whether the JSON text b has a \u escape of a
// UTF-16 surrogate that is not half of a high-low pair.
func loneSurrogate(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		r, ok := hex4(b, i+2)
		switch {
		case !ok:
			i++
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		case r >= 0xD800 && r <= 0xDBFF:
			if j := i + 6; j+1 < len(b) && b[j] == '\\' && b[j+1] == 'u' {
				if lo, ok := hex4(b, j+2); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					i = j + 5
					continue
				}
			}
			return true
		default:
			i += 5
		}
	}
	return false
}

// hex4 is the four hex digits of b at i as a number.
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	return rune(n), err == nil
}
