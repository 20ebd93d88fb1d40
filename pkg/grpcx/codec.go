package grpcx

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// MaxRepeated bounds the entries of any one repeated or map field in a
// request, checked on the wire before anything is decoded. Domain rules
// are tighter (at most 20 languages, one consent per purpose); this bound
// keeps decoding itself cheap: without it, 12 MB of empty consents decode
// into four million messages and half a gigabyte before validation can
// refuse them.
const MaxRepeated = 1000

// maxScanDepth stops the wire scan on absurdly nested input; proto's own
// recursion limit then refuses it when decoding.
const maxScanDepth = 64

// undecodableMessage is what a caller learns about a request that is not
// valid protobuf for the method: enough to act on, and no parser detail.
// It is a violation of the request as a whole (field ""), as the
// gateway's refusal of a body that does not decode is (ADR 0154).
const undecodableMessage = "the request could not be decoded: it is not valid protobuf for this method"

// notUTF8Message is the violation of a string field whose bytes are not
// UTF-8, the one decoding error a caller can be told the field of; the
// gateway's JSON check says the same (docs/adr/0179).
const notUTF8Message = "must be valid UTF-8 text"

// codec is the server's protobuf codec. gRPC answers a request it cannot
// decode with Internal, before any interceptor runs, which tells a client
// the fault is the server's. This codec never fails: it remembers why a
// message did not decode, and the decode steps of the interceptor chain
// (decode.go) answer InvalidArgument instead, once the caller is
// authenticated.
type codec struct {
	// failed maps a request message (its pointer) to the error that answers
	// it. The chain's outermost step removes a unary call's entry when the
	// call ends, answered or refused, and a stream's as soon as it is read,
	// so the map holds only calls in progress.
	failed sync.Map
	// pending counts the entries of failed, so the interceptors of the
	// calls that decoded, nearly all of them, skip the map.
	pending atomic.Int64
}

var _ encoding.CodecV2 = (*codec)(nil)

// Marshal encodes responses exactly as gRPC's own codec does.
func (c *codec) Marshal(v any) (mem.BufferSlice, error) {
	m := messageOf(v)
	if m == nil {
		return nil, fmt.Errorf("grpcx codec: cannot marshal %T", v)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

// Unmarshal decodes a request. Unknown fields are dropped so a caller
// cannot make the server keep bytes it does not understand.
func (c *codec) Unmarshal(data mem.BufferSlice, v any) error {
	m := messageOf(v)
	if m == nil {
		return fmt.Errorf("grpcx codec: cannot unmarshal into %T", v)
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	b := buf.ReadOnlyData()
	if field := scanRepeated(b, m.ProtoReflect().Descriptor(), 0); field != "" {
		c.fail(v, m, apperr.FieldError(field, fmt.Sprintf("must list at most %d entries", MaxRepeated)))
		return nil
	}
	if err := (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, m); err != nil {
		// Only a request that failed is scanned for text, so a good one
		// pays nothing for the field's name.
		if field := scanUTF8(b, m.ProtoReflect().Descriptor(), 0); field != "" {
			c.fail(v, m, apperr.FieldError(field, notUTF8Message))
		} else {
			c.fail(v, m, apperr.FieldError("", undecodableMessage))
		}
	}
	return nil
}

// scanUTF8 walks the wire encoding of a message of type md and returns
// the path of the first string field whose bytes are not UTF-8
// ("participant.interests[2]"), or "" when there is none or the bytes
// stop being protobuf before one is found.
func scanUTF8(b []byte, md protoreflect.MessageDescriptor, depth int) string {
	if depth > maxScanDepth {
		return ""
	}
	fields := md.Fields()
	seen := map[protowire.Number]int{} // entries so far of each repeated field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return ""
		}
		val := b[:n]
		b = b[n:]
		fd := fields.ByNumber(num)
		if fd == nil || typ != protowire.BytesType {
			continue
		}
		name := string(fd.Name())
		if fd.IsList() {
			name += "[" + strconv.Itoa(seen[num]) + "]"
			seen[num]++
		}
		inner, _ := protowire.ConsumeBytes(val)
		switch {
		case fd.Kind() == protoreflect.StringKind && !utf8.Valid(inner):
			return name
		case fd.Message() != nil && !fd.IsMap():
			if f := scanUTF8(inner, fd.Message(), depth+1); f != "" {
				return name + "." + f
			}
		case fd.IsMap():
			if f := scanUTF8(inner, fd.Message(), depth+1); f != "" {
				return string(fd.Name()) + "." + f
			}
		}
	}
	return ""
}

// fail empties m, so nothing half-decoded is ever used, and records why.
func (c *codec) fail(v any, m proto.Message, err error) {
	proto.Reset(m)
	c.pending.Add(1)
	c.failed.Store(v, err)
}

// Name is "proto": the codec replaces gRPC's own for the content type.
func (c *codec) Name() string { return "proto" }

// takeFailure returns, and forgets, why req did not decode; nil if it did.
// While no failure is held it reads only the counter, so a call that
// decoded costs no map lookup.
func (c *codec) takeFailure(req any) error {
	if c.pending.Load() == 0 {
		return nil
	}
	if err, ok := c.failed.LoadAndDelete(req); ok {
		c.pending.Add(-1)
		return ToStatus(err.(error))
	}
	return nil
}

func messageOf(v any) proto.Message {
	switch v := v.(type) {
	case protoadapt.MessageV2:
		return v
	case protoadapt.MessageV1:
		return protoadapt.MessageV2Of(v)
	}
	return nil
}

// scanRepeated walks the wire encoding of a message of type md and returns
// the path of the first repeated or map field with more than MaxRepeated
// entries in one message ("participant.consents"), or "" when there is
// none. It allocates nothing on the way; malformed input is left for
// proto.Unmarshal to refuse.
func scanRepeated(b []byte, md protoreflect.MessageDescriptor, depth int) string {
	// Every entry takes at least a byte on the wire, so a message no longer
	// than MaxRepeated bytes cannot exceed it: most requests skip the scan.
	if depth > maxScanDepth || len(b) <= MaxRepeated {
		return ""
	}
	fields := md.Fields()
	var counts [8]struct {
		num protowire.Number
		n   int
	}
	var extra map[protowire.Number]int // beyond 8 distinct repeated fields
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return ""
		}
		val := b[:n]
		b = b[n:]
		fd := fields.ByNumber(num)
		if fd == nil {
			continue
		}
		if fd.IsList() || fd.IsMap() {
			add := 1
			if typ == protowire.BytesType && fd.Message() == nil && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BytesKind {
				add = packedLen(val, fd.Kind())
			}
			total := 0
			placed := false
			for i := range counts {
				if counts[i].num == num || counts[i].num == 0 {
					counts[i].num = num
					counts[i].n += add
					total, placed = counts[i].n, true
					break
				}
			}
			if !placed {
				if extra == nil {
					extra = map[protowire.Number]int{}
				}
				extra[num] += add
				total = extra[num]
			}
			if total > MaxRepeated {
				return string(fd.Name())
			}
		}
		if fd.Message() != nil && typ == protowire.BytesType {
			inner, _ := protowire.ConsumeBytes(val)
			if f := scanRepeated(inner, fd.Message(), depth+1); f != "" {
				if fd.IsList() {
					return string(fd.Name()) + "[" + strconv.Itoa(countOf(counts[:], extra, num)-1) + "]." + f
				}
				return string(fd.Name()) + "." + f
			}
		}
	}
	return ""
}

func countOf(counts []struct {
	num protowire.Number
	n   int
}, extra map[protowire.Number]int, num protowire.Number) int {
	for _, c := range counts {
		if c.num == num {
			return c.n
		}
	}
	return extra[num]
}

// packedLen counts the elements of a packed repeated scalar field.
func packedLen(val []byte, k protoreflect.Kind) int {
	b, n := protowire.ConsumeBytes(val)
	if n < 0 {
		return 1
	}
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return len(b) / 4
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return len(b) / 8
	}
	// Varints: every element ends in the one byte without the high bit.
	c := 0
	for _, x := range b {
		if x < 0x80 {
			c++
		}
	}
	return c
}
