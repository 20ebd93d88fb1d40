package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// A JSON request that names a field its message does not have, or an enum
// value its enum does not declare, is refused with one field violation per
// name (ADR 0118): protojson would drop it, and a hand-written client's
// "email" one level too high would be stored as no e-mail at all.

// maxJSONDepth bounds how many nested messages the walk follows. The
// gateway's requests nest fewer than ten; deeper objects are skipped
// unchecked (protojson then refuses what does not fit the schema), so the
// walk's recursion is bounded whatever the body.
const maxJSONDepth = 32

// maxNameBytes caps an unknown name as it is echoed in a violation: it is
// the caller's input, and a misplaced key could be anything.
const maxNameBytes = 64

// Descriptions of the violations, in English like every API violation
// (the web app and mp translate the services' wording; neither sends
// unknown names).
const (
	unknownFieldText = "is not a field of this request; check its spelling and where it belongs"
	unknownEnumText  = "is not a value this field has; use one of the names the API defines"
)

// errNotJSONRequest stops the walk at JSON that protojson refuses anyway;
// its own error then describes the body.
var errNotJSONRequest = errors.New("not a JSON request")

// unknownInJSON returns the violations of every object key in b that md
// (and the messages under it) does not define, and of every enum name no
// enum declares; the first apperr.MaxViolations are kept and the rest
// counted. An error means the body is not JSON of md's shape at all.
func unknownInJSON(b []byte, md protoreflect.MessageDescriptor) (*apperr.Validator, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	w := &jsonWalk{dec: dec, raw: b, v: &apperr.Validator{}}
	if err := w.message(md, "", 0); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errNotJSONRequest
	}
	return w.v, nil
}

type jsonWalk struct {
	dec *json.Decoder
	raw []byte // the body dec reads, for what its tokens no longer show
	v   *apperr.Validator
}

// message walks one JSON object (or null) of message md; prefix is the
// path of the field that holds it, ending in a dot.
func (w *jsonWalk) message(md protoreflect.MessageDescriptor, prefix string, depth int) error {
	tok, err := w.dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errNotJSONRequest
	}
	return w.messageBody(md, prefix, depth)
}

// messageBody walks the members of an object of message md whose opening
// brace was read.
func (w *jsonWalk) messageBody(md protoreflect.MessageDescriptor, prefix string, depth int) error {
	if depth >= maxJSONDepth {
		return w.skipOpen()
	}
	fields := md.Fields()
	// protojson refuses a field given twice (by either of its names) and
	// two fields of one oneof.
	seen := map[protoreflect.FieldNumber]bool{}
	oneofs := map[int]bool{}
	for w.dec.More() {
		start := w.dec.InputOffset()
		kt, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		if raw := w.raw[start:w.dec.InputOffset()]; loneSurrogate(raw) || !utf8.Valid(raw) {
			// No name has half a character, or bytes that are no
			// character; "?" alone would not say why.
			why := halfCharText
			if !utf8.Valid(raw) {
				why = notUTF8Text
			}
			w.v.Add(prefix+safeName(key), why)
			if err := w.skip(); err != nil {
				return err
			}
			continue
		}
		// protojson's own lookup: the JSON name, then the proto name.
		fd := fields.ByJSONName(key)
		if fd == nil {
			fd = fields.ByTextName(key)
		}
		if fd == nil {
			w.add(prefix, key)
			if err := w.skip(); err != nil {
				return err
			}
			continue
		}
		path := prefix + string(fd.Name())
		od := fd.ContainingOneof()
		switch {
		case seen[fd.Number()]:
			w.v.Add(path, duplicateText)
		case od != nil && oneofs[od.Index()] && !fd.IsList() && !fd.IsMap():
			w.v.Add(path, oneofText)
		default:
			seen[fd.Number()] = true
			if od != nil {
				oneofs[od.Index()] = true
			}
			if err := w.field(fd, path, depth); err != nil {
				return err
			}
			continue
		}
		if err := w.skip(); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // the closing brace
	return err
}

// add records the unknown key under prefix; past the listed violations
// it only counts, without building the name.
func (w *jsonWalk) add(prefix, key string) {
	if w.v.Count() >= apperr.MaxViolations {
		w.v.Add("", "")
		return
	}
	w.v.Add(prefix+safeName(key), unknownFieldText)
}

// field walks the value of fd at path: a list, a map or one value.
func (w *jsonWalk) field(fd protoreflect.FieldDescriptor, path string, depth int) error {
	switch {
	case fd.IsList():
		if open, err := w.shape(path, '[', true, listText); err != nil || !open {
			return err
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.one(fd, fmt.Sprintf("%s[%d]", path, i), depth); err != nil {
				return err
			}
		}
		_, err := w.dec.Token()
		return err
	case fd.IsMap():
		if open, err := w.shape(path, '{', true, mapText); err != nil || !open {
			return err
		}
		keys := map[string]bool{}
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			if keys[key] {
				w.v.Add(path+"["+safeName(key)+"]", duplicateKeyText)
				if err := w.skip(); err != nil {
					return err
				}
				continue
			}
			keys[key] = true
			if err := w.one(fd.MapValue(), path+"["+safeName(key)+"]", depth); err != nil {
				return err
			}
		}
		_, err := w.dec.Token()
		return err
	}
	return w.one(fd, path, depth)
}

// one walks a single value of fd's kind (a list's entry, a map's value).
func (w *jsonWalk) one(fd protoreflect.FieldDescriptor, path string, depth int) error {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		switch fd.Message().FullName() {
		case "google.protobuf.FieldMask":
			return w.fieldMask(path)
		case "google.protobuf.Timestamp":
			return w.timestamp(path, singular(fd))
		}
		if strings.HasPrefix(string(fd.Message().FullName()), "google.protobuf.") {
			// Other well-known types have their own JSON forms; protojson
			// checks them (the gateway's requests use none).
			return w.skip()
		}
		if open, err := w.shape(path, '{', singular(fd), objectText); err != nil || !open {
			return err
		}
		return w.messageBody(fd.Message(), path+".", depth+1)
	case protoreflect.EnumKind:
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case string:
			if fd.Enum().FullName() != "google.protobuf.NullValue" && fd.Enum().Values().ByName(protoreflect.Name(t)) == nil {
				w.v.Add(path, unknownEnumText)
			}
		case json.Number:
			// An open enum takes any int32, declared or not (the service
			// judges it); past int32 protojson refuses the whole body in
			// its own words, so name the field as for an unknown name.
			if !enumNumber(t) {
				w.v.Add(path, unknownEnumText)
			}
		case json.Delim:
			w.v.Add(path, unknownEnumText)
			if t == '{' || t == '[' {
				return w.skipOpen()
			}
			return errNotJSONRequest
		case bool:
			w.v.Add(path, unknownEnumText)
		case nil:
			if !singular(fd) {
				w.v.Add(path, unknownEnumText)
			}
		}
		return nil
	}
	if lo, hi, text, ok := intRange(fd.Kind()); ok {
		// null leaves a field unset; a list's entry or a map's value
		// cannot be null.
		return w.integer(path, lo, hi, text, singular(fd))
	}
	switch fd.Kind() {
	case protoreflect.StringKind:
		return w.text(path, singular(fd))
	case protoreflect.BoolKind:
		return w.boolean(path, singular(fd))
	}
	return w.skip()
}

// enumNumber reports whether protojson takes n as an enum number: an
// integer in int32's range, also written with a fraction of zeros or an
// exponent ("1.0", "1e2").
func enumNumber(n json.Number) bool {
	f, err := strconv.ParseFloat(string(n), 64)
	return err == nil && f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32
}

// skip reads one value, however nested, without looking into it.
func (w *jsonWalk) skip() error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		return w.skipOpen()
	}
	return nil
}

// skipOpen reads to the end of an object or array whose opening delimiter
// was read. It counts delimiters rather than recursing; encoding/json
// refuses nesting past 10,000 levels.
func (w *jsonWalk) skipOpen() error {
	for open := 1; open > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				open++
			} else {
				open--
			}
		}
	}
	return nil
}

// safeName is an unknown key as a violation may echo it: valid UTF-8,
// printable, at most maxNameBytes long (then "...").
func safeName(key string) string {
	key = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, key)
	if key == "" {
		return `""`
	}
	if len(key) <= maxNameBytes {
		return key
	}
	cut := maxNameBytes
	for cut > 0 && !utf8.RuneStart(key[cut]) {
		cut--
	}
	return key[:cut] + "..."
}

// refusalField is the field number under which the JSON codec leaves its
// refusal in a decoded request's unknown fields, for the interceptor to
// answer (a codec error cannot carry field violations through Connect).
// Only the JSON codec writes unknown fields: protojson never keeps any,
// and the binary codec discards them, so no caller can forge one.
const refusalField protowire.Number = protowire.MaxValidNumber

// markRefused empties m and leaves v's violations (the listed ones as a
// google.rpc.BadRequest, and the total count) in its unknown fields.
func markRefused(m proto.Message, v *apperr.Validator) {
	proto.Reset(m)
	e, _ := v.Err().(*apperr.Error)
	br := &errdetails.BadRequest{}
	for _, fv := range e.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: fv.Field, Description: fv.Description})
	}
	raw, _ := proto.Marshal(br)
	b := protowire.AppendTag(nil, refusalField, protowire.BytesType)
	b = protowire.AppendBytes(b, raw)
	b = protowire.AppendTag(b, refusalField, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(v.Count()))
	m.ProtoReflect().SetUnknown(b)
}

// refusal returns the Invalid error markRefused left in m, or nil.
func refusal(m proto.Message) error {
	raw := m.ProtoReflect().GetUnknown()
	if len(raw) == 0 {
		return nil
	}
	var br errdetails.BadRequest
	var total uint64
	found := false
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return nil
		}
		raw = raw[n:]
		switch {
		case num == refusalField && typ == protowire.BytesType:
			b, k := protowire.ConsumeBytes(raw)
			if k < 0 || proto.Unmarshal(b, &br) != nil {
				return nil
			}
			found, n = true, k
		case num == refusalField && typ == protowire.VarintType:
			total, n = protowire.ConsumeVarint(raw)
		default:
			n = protowire.ConsumeFieldValue(num, typ, raw)
		}
		if n < 0 {
			return nil
		}
		raw = raw[n:]
	}
	if !found {
		return nil
	}
	e := &apperr.Error{Code: apperr.Invalid, Message: "invalid request: nothing was done; the field violations say what to change"}
	for _, fv := range br.GetFieldViolations() {
		e.Violations = append(e.Violations, apperr.FieldViolation{Field: fv.GetField(), Description: fv.GetDescription()})
	}
	if listed := len(e.Violations); int(total) > listed {
		e.Omitted = int(total) - listed
		e.Message = fmt.Sprintf("%s: %d problems, the first %d listed", e.Message, total, listed)
	}
	return e
}

// strictJSON answers a request the JSON codec refused (see refusal) before
// any work: in the unary chain, and for server streams when the handler
// receives the request.
type strictJSON struct{ s *Server }

// WrapUnary implements connect.Interceptor.
func (i strictJSON) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if m, ok := req.Any().(proto.Message); ok {
			if err := refusal(m); err != nil {
				return nil, i.s.toConnect(ctx, err)
			}
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor; the gateway is no
// client of its own API.
func (strictJSON) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i strictJSON) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return next(ctx, &strictConn{StreamingHandlerConn: conn, ctx: ctx, s: i.s})
	}
}

type strictConn struct {
	connect.StreamingHandlerConn
	ctx context.Context
	s   *Server
}

// Receive implements connect.StreamingHandlerConn.
func (c *strictConn) Receive(m any) error {
	if err := c.StreamingHandlerConn.Receive(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		if err := refusal(pm); err != nil {
			return c.s.toConnect(c.ctx, err)
		}
	}
	return nil
}
