package api

import (
	"errors"
	"io"
	"regexp"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// errNotProto is a programming error: every gateway message is protobuf.
var errNotProto = errors.New("not a protobuf message")

// protoCodec and jsonCodec are Connect's own codecs, except that a body
// they cannot decode is described without Go type names (Connect answers
// it InvalidArgument either way).
type protoCodec struct{}

// Name implements connect.Codec.
func (protoCodec) Name() string { return "proto" }

// Marshal implements connect.Codec.
func (protoCodec) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotProto
	}
	return proto.Marshal(pm)
}

// Unmarshal implements connect.Codec.
func (protoCodec) Unmarshal(b []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return errNotProto
	}
	// Unknown fields are dropped, as protobuf evolves: a binary client is
	// generated from a schema, so a field this gateway does not know is a
	// newer schema's, not a typing error (ADR 0118).
	if err := (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, pm); err != nil {
		refuseBody(pm, "is not this method's request in protobuf: "+reason(err))
	}
	return nil
}

// bodyField is the path of a violation about the body as a whole: no
// field of the request can be named when the body does not decode.
const bodyField = ""

// refuseBody leaves in m a refusal with one violation about the whole
// body, for strictJSON to answer like any other refused request: a body
// that does not decode is InvalidArgument with a field violation, not a
// bare decoder message (ADR 0154, addendum).
func refuseBody(m proto.Message, what string) {
	v := &apperr.Validator{}
	v.Add(bodyField, "the body "+what)
	markRefused(m, v)
}

type jsonCodec struct{ name string }

// Name implements connect.Codec.
func (c jsonCodec) Name() string { return c.name }

// Marshal implements connect.Codec.
func (jsonCodec) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotProto
	}
	return protojson.Marshal(pm)
}

// Unmarshal implements connect.Codec. Unlike Connect's own codec it
// refuses a name the method's request does not define, a field or an
// enum value (ADR 0118): JSON is typed by hand, and a dropped key is
// personal data silently not stored. The refusal, naming every such
// field, is left in the emptied message for strictJSON to answer, since
// a codec's error reaches the caller without field violations.
func (jsonCodec) Unmarshal(b []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return errNotProto
	}
	if len(b) == 0 {
		refuseBody(pm, "is empty; send one JSON object")
		return nil
	}
	err := protojson.Unmarshal(b, pm)
	if err == nil {
		return nil
	}
	// Only a body protojson refuses is walked, so a good request pays
	// nothing for the check.
	if v, werr := unknownInJSON(b, pm.ProtoReflect().Descriptor()); werr == nil && !v.Valid() {
		markRefused(pm, v)
		return nil
	}
	why := withoutValue(reason(err))
	if errors.Is(err, io.ErrUnexpectedEOF) || why == io.ErrUnexpectedEOF.Error() {
		why = cutJSON
	}
	refuseBody(pm, "is not this method's request in JSON: "+why+"; send one JSON object")
	return nil
}

// quotedValue finds the caller's value where protojson quotes it: after
// "invalid value for int32 field householdSize:", "invalid
// google.protobuf.Timestamp value", "invalid value" and "unexpected token".
var quotedValue = regexp.MustCompile(`(invalid value for \S+ field \S+|invalid \S+ value|invalid value|unexpected token)[: ].*$`)

// withoutValue is a protojson reason without the value it quotes: a
// misplaced name or address must not come back in an error (ADR 0118).
func withoutValue(s string) string { return quotedValue.ReplaceAllString(s, "$1") }

// cutJSON is a JSON body that ends inside its object in the API's words:
// protojson says "unexpected EOF", io.ErrUnexpectedEOF's text, which is
// Go's and no answer may hold (ADR 0213).
const cutJSON = "it ends before the JSON object does"

// reason is a decoding error's own words, without the library's prefix.
func reason(err error) string {
	s := strings.TrimSpace(strings.TrimPrefix(err.Error(), "proto:"))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "")
	}
	return s
}
