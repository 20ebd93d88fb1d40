package core

import (
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// forward copies into dst every field set in src that dst has under the
// same name and of the same type, and returns dst.
//
// The gateway's API keeps its own request and response messages (ADR
// 0095): most of a request's fields are the service request's fields
// again, under the same names. forward passes them on in one place, so a
// filter added to both protos reaches the service without a line per
// field here, and forward_test.go checks every pair the gateway forwards,
// so a field that would not arrive fails a test instead of being dropped.
// What the gateway decides itself (the caller's scope, a view in place of
// a record) is set on dst after the call and overrides the copy.
//
// Fields match on name, cardinality, kind and, for messages and enums,
// the full type name, so a value is only ever stored in a field of its
// own Go type; a field without such a twin in dst is left out. Lists and
// messages are shared with src, as a hand-written copy would share them.
func forward[T proto.Message](dst T, src proto.Message) T {
	if src == nil {
		return dst
	}
	sm, dm := src.ProtoReflect(), dst.ProtoReflect()
	if !sm.IsValid() {
		return dst
	}
	for _, p := range twinsOf(sm.Descriptor(), dm.Descriptor()) {
		if sm.Has(p[0]) {
			dm.Set(p[1], sm.Get(p[0]))
		}
	}
	return dst
}

// twins caches, per source and destination message type, the field pairs
// forward copies: the match is worked out once per pair of types, not on
// every request.
var twins sync.Map // [2]protoreflect.FullName -> [][2]protoreflect.FieldDescriptor

// twinsOf returns the fields of src with a twin in dst, each with it.
func twinsOf(src, dst protoreflect.MessageDescriptor) [][2]protoreflect.FieldDescriptor {
	key := [2]protoreflect.FullName{src.FullName(), dst.FullName()}
	if v, ok := twins.Load(key); ok {
		return v.([][2]protoreflect.FieldDescriptor)
	}
	var out [][2]protoreflect.FieldDescriptor
	sf, df := src.Fields(), dst.Fields()
	for i := range sf.Len() {
		if d := df.ByName(sf.Get(i).Name()); d != nil && sameType(sf.Get(i), d) {
			out = append(out, [2]protoreflect.FieldDescriptor{sf.Get(i), d})
		}
	}
	twins.Store(key, out)
	return out
}

// sameType reports whether a value of field a can be stored in field b.
// Maps never match: their entry types are named for their message.
func sameType(a, b protoreflect.FieldDescriptor) bool {
	if a.Cardinality() != b.Cardinality() || a.Kind() != b.Kind() || a.IsMap() || b.IsMap() {
		return false
	}
	switch a.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return a.Message().FullName() == b.Message().FullName()
	case protoreflect.EnumKind:
		return a.Enum().FullName() == b.Enum().FullName()
	}
	return true
}
