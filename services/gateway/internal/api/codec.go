package api

import (
	"errors"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
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
	if err := proto.Unmarshal(b, pm); err != nil {
		return errors.New("the body is not this method's request in protobuf: " + reason(err))
	}
	return nil
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

// Unmarshal implements connect.Codec. Unknown fields are ignored, as
// Connect's own codec does, so clients of a newer schema still work.
func (jsonCodec) Unmarshal(b []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return errNotProto
	}
	if len(b) == 0 {
		return errors.New("the body is empty; send a JSON object")
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, pm); err != nil {
		return errors.New("the body is not this method's request in JSON: " + reason(err))
	}
	return nil
}

// reason is a decoding error's own words, without the library's prefix.
func reason(err error) string {
	s := strings.TrimSpace(strings.TrimPrefix(err.Error(), "proto:"))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "")
	}
	return s
}
