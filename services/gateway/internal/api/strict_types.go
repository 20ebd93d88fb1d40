package api

import (
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// A value of the wrong JSON type (a number or an object for a name, a
// string for a list, "yes" for true) was answered with protojson's words
// ("invalid value for string field givenName", "syntax error: unexpected
// token") and no field violation, so a script had no field to show and
// the web's catalogue no words to translate (ADR 0154). The walk names
// the field and the JSON type it takes, exactly where protojson refuses.

// Descriptions of a value of the wrong JSON type (the catalogue has each
// in Swedish).
const (
	textText      = "must be text in double quotes"
	boolText      = "must be true or false"
	objectText    = "must be an object ({...}) with this field's own fields"
	listText      = "must be a list ([...])"
	mapText       = "must be an object ({...}) of keys and values"
	timestampText = "must be a moment in RFC 3339, for example 2026-12-05T14:05:00Z"
)

// singular reports whether fd holds one value, which null leaves unset:
// protojson takes null there, never as a list's entry or a map's value.
func singular(fd protoreflect.FieldDescriptor) bool {
	return !fd.IsList() && !fd.ContainingMessage().IsMapEntry()
}

// shape reads the token that opens a value that must be an object ('{')
// or a list ('['), and reports whether it did; anything else (null where
// !nullOK) is named at path with text and read past.
func (w *jsonWalk) shape(path string, want json.Delim, nullOK bool, text string) (bool, error) {
	tok, err := w.dec.Token()
	if err != nil {
		return false, err
	}
	switch t := tok.(type) {
	case nil:
		if !nullOK {
			w.v.Add(path, text)
		}
		return false, nil
	case json.Delim:
		if t == want {
			return true, nil
		}
		return false, w.wrongOpen(path, t, text)
	}
	w.v.Add(path, text)
	return false, nil
}

// wrongOpen names path for an object or a list where its field takes
// neither (or the other), and reads to its end; a closing delimiter where
// a value belongs is JSON no request is.
func (w *jsonWalk) wrongOpen(path string, d json.Delim, text string) error {
	if d != '{' && d != '[' {
		return errNotJSONRequest
	}
	w.v.Add(path, text)
	return w.skipOpen()
}

// boolean walks a bool field's value: true, false, or null where nullOK.
func (w *jsonWalk) boolean(path string, nullOK bool) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case bool:
	case nil:
		if !nullOK {
			w.v.Add(path, boolText)
		}
	case json.Delim:
		return w.wrongOpen(path, t, boolText)
	default:
		w.v.Add(path, boolText)
	}
	return nil
}

// timestamp walks a google.protobuf.Timestamp: a string protojson reads
// as one (it is asked, so the forms taken are exactly its own), or null
// where nullOK.
func (w *jsonWalk) timestamp(path string, nullOK bool) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case string:
		b, _ := json.Marshal(t)
		if protojson.Unmarshal(b, &timestamppb.Timestamp{}) != nil {
			w.v.Add(path, timestampText)
		}
	case nil:
		if !nullOK {
			w.v.Add(path, timestampText)
		}
	case json.Delim:
		return w.wrongOpen(path, t, timestampText)
	default:
		w.v.Add(path, timestampText)
	}
	return nil
}
