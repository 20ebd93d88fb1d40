// Package reqgen builds hostile requests for any RPC from its input
// message's descriptor and a seeded random source, so a test can feed
// every method of every service requests no client of ours sends without
// a hand-written case per field (ADR 0213). The same seed gives the same
// requests, so a failure is replayed by its seed and case number.
//
// Each case starts from a base request (one that reaches a record) and
// changes one to three fields, or the base's bytes themselves:
//   - strings: empty, one character, one past common caps (65, 101, 201,
//     256, 1,001, 5,001 characters), 1 MiB, control and bidi characters,
//     a NUL, text that is not UTF-8 (written on the wire, as no encoder
//     will), and for id fields ids of the right shape that name nothing
//     or that name another organisation's records (Options.IDs);
//   - numbers: 0, -1, the kind's bounds, random; floats NaN and ±Inf;
//   - enums: numbers the enum does not have;
//   - repeated fields and maps: 0, 1, Cap, Cap+1 and 10,000 entries;
//   - messages: filled at random, nested to depth 3, or left empty;
//   - the encoding of the base: cut short, a byte flipped, a field
//     promising more bytes than follow, unknown fields appended.
package reqgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Options say what the generator cannot read from a descriptor.
type Options struct {
	// Cap is the documented bound on a repeated field's entries (the
	// services' grpcx.MaxRepeated); 0 means 1,000.
	Cap int
	// IDs returns well-formed ids an id field may carry besides the
	// generator's own ids of nothing: typically the ids of another
	// organisation's records the test planted. field is the field's
	// name; nil means none.
	IDs func(field string) []string
	// BigString is the length of the largest string sent; 0 means 1 MiB.
	// It stays under the transports' message limits (gRPC's 4 MiB).
	BigString int
}

// Case is one generated request: what was done to the base (for the
// failure message), the message (nil when only bytes can carry the case:
// text that is not UTF-8, a mutated encoding) and its wire bytes.
type Case struct {
	Name string
	Msg  *dynamicpb.Message
	Wire []byte
}

// Gen generates cases. It is not safe for concurrent use (one rand).
type Gen struct {
	r    *rand.Rand
	opts Options
}

// New returns a generator whose cases depend only on seed and the calls
// made to it.
func New(seed uint64, opts Options) *Gen {
	if opts.Cap == 0 {
		opts.Cap = 1000
	}
	if opts.BigString == 0 {
		opts.BigString = 1 << 20
	}
	return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), opts: opts}
}

// Cases returns n cases for md built from base (nil: an empty request).
// Roughly one in five changes the base's bytes; the rest change fields.
func (g *Gen) Cases(md protoreflect.MessageDescriptor, base proto.Message, n int) []Case {
	b := dynamicpb.NewMessage(md)
	if base != nil {
		raw, err := det.Marshal(base)
		if err == nil {
			_ = proto.Unmarshal(raw, b)
		}
	}
	good, _ := det.Marshal(b)
	out := make([]Case, 0, n)
	for i := range n {
		if g.r.IntN(5) == 0 {
			name, wire := g.mutate(good)
			out = append(out, Case{Name: fmt.Sprintf("#%d bytes: %s", i, name), Wire: wire})
			continue
		}
		out = append(out, g.fieldCase(i, b, good))
	}
	return out
}

// fieldCase changes one to three fields of a copy of base.
func (g *Gen) fieldCase(i int, base *dynamicpb.Message, good []byte) Case {
	req := proto.Clone(base).(*dynamicpb.Message)
	paths := leaves(req.Descriptor(), nil, 0)
	if len(paths) == 0 {
		name, wire := g.mutate(good)
		return Case{Name: fmt.Sprintf("#%d bytes: %s", i, name), Wire: wire}
	}
	var names []string
	for range 1 + g.r.IntN(3) {
		p := paths[g.r.IntN(len(paths))]
		fd := p.fds[len(p.fds)-1]
		if fd.Kind() == protoreflect.StringKind && g.r.IntN(12) == 0 {
			// Not UTF-8: appended on the wire, where it merges into the
			// request, as no encoder would write it.
			wire, _ := det.Marshal(req)
			return Case{Name: fmt.Sprintf("#%d %s: not UTF-8", i, p.name), Wire: wrap(wire, p.fds, notUTF8[g.r.IntN(len(notUTF8))])}
		}
		m := holder(req, p.fds)
		what := g.set(m, fd, 0)
		names = append(names, p.name+": "+what)
	}
	wire, err := det.Marshal(req)
	if err != nil {
		// Only invalid UTF-8 fails to marshal, and set writes none.
		panic(fmt.Sprintf("reqgen: marshal: %v", err))
	}
	return Case{Name: fmt.Sprintf("#%d %s", i, strings.Join(names, "; ")), Msg: req, Wire: wire}
}

// path is a field reached from the request through singular messages.
type path struct {
	name string
	fds  []protoreflect.FieldDescriptor
}

// leaves lists every field of md and of the singular messages it holds
// (to depth 3), messages and lists included as fields of their own.
func leaves(md protoreflect.MessageDescriptor, on []protoreflect.FieldDescriptor, depth int) []path {
	var out []path
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		here := append(slices.Clone(on), fd)
		var names []string
		for _, f := range here {
			names = append(names, string(f.Name()))
		}
		out = append(out, path{strings.Join(names, "."), here})
		if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() && depth < 3 &&
			!strings.HasPrefix(string(fd.Message().FullName()), "google.") {
			out = append(out, leaves(fd.Message(), here, depth+1)...)
		}
	}
	return out
}

// holder returns the message holding the last field of fds in req,
// making the messages on the way.
func holder(req protoreflect.Message, fds []protoreflect.FieldDescriptor) protoreflect.Message {
	m := req
	for _, fd := range fds[:len(fds)-1] {
		m = m.Mutable(fd).Message()
	}
	return m
}

// set gives fd in m a generated value and says which.
func (g *Gen) set(m protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) string {
	switch {
	case fd.IsMap():
		n, what := g.count()
		mp := m.Mutable(fd).Map()
		for k := range n {
			key := g.mapKey(fd.MapKey(), k)
			mp.Set(key, g.scalar(mp, fd.MapValue(), depth))
		}
		return "map of " + what
	case fd.IsList():
		n, what := g.count()
		l := m.Mutable(fd).List()
		l.Truncate(0)
		for range n {
			if fd.Kind() == protoreflect.MessageKind {
				e := l.NewElement()
				if n <= 2 {
					g.fill(e.Message(), depth+1)
				}
				l.Append(e)
				continue
			}
			v, _ := g.value(fd, n > 2)
			l.Append(v)
		}
		return what
	case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
		if fd.Message().FullName() == "google.protobuf.Timestamp" {
			ts := m.Mutable(fd).Message()
			f := ts.Descriptor().Fields()
			sec := []int64{-1 << 40, -62135596801, 0, 253402300800, 1 << 40, math.MaxInt64}[g.r.IntN(6)]
			nanos := []int32{-1, 0, 1e9, math.MaxInt32}[g.r.IntN(4)]
			ts.Set(f.ByName("seconds"), protoreflect.ValueOfInt64(sec))
			ts.Set(f.ByName("nanos"), protoreflect.ValueOfInt32(nanos))
			return fmt.Sprintf("time %d s %d ns", sec, nanos)
		}
		if g.r.IntN(3) == 0 {
			m.Set(fd, protoreflect.ValueOfMessage(dynamicpb.NewMessage(fd.Message())))
			return "empty message"
		}
		g.fill(m.Mutable(fd).Message(), depth+1)
		return "random message"
	}
	v, what := g.value(fd, depth > 0)
	m.Set(fd, v)
	return what
}

// fill sets each field of m with probability one half, nested messages
// to depth 3.
func (g *Gen) fill(m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if g.r.IntN(2) == 0 || (depth >= 3 && (fd.Kind() == protoreflect.MessageKind || fd.IsList() || fd.IsMap())) {
			continue
		}
		if fd.IsList() || fd.IsMap() {
			// Few entries inside a random message: the big counts are
			// cases of their own.
			if fd.IsMap() {
				continue
			}
			l := m.Mutable(fd).List()
			for range 1 + g.r.IntN(2) {
				if fd.Kind() == protoreflect.MessageKind {
					e := l.NewElement()
					g.fill(e.Message(), depth+1)
					l.Append(e)
				} else {
					v, _ := g.value(fd, true)
					l.Append(v)
				}
			}
			continue
		}
		g.set(m, fd, depth)
	}
}

// count is a repeated field's number of entries.
func (g *Gen) count() (int, string) {
	n := []int{0, 1, 2, g.opts.Cap, g.opts.Cap + 1, 10_000}[g.r.IntN(6)]
	return n, fmt.Sprintf("%d entries", n)
}

func (g *Gen) mapKey(fd protoreflect.FieldDescriptor, k int) protoreflect.MapKey {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(fmt.Sprintf("k%d", k)).MapKey()
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(k%2 == 0).MapKey()
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(k)).MapKey()
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(k)).MapKey()
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(k)).MapKey()
	}
	return protoreflect.ValueOfInt32(int32(k)).MapKey()
}

func (g *Gen) scalar(mp protoreflect.Map, fd protoreflect.FieldDescriptor, depth int) protoreflect.Value {
	if fd.Kind() == protoreflect.MessageKind {
		v := mp.NewValue()
		g.fill(v.Message(), depth+1)
		return v
	}
	v, _ := g.value(fd, true)
	return v
}

// value is one generated scalar for fd's kind; small keeps strings and
// bytes short (a list's entries, a nested message's fields), so 10,000
// entries stay a request the transports take.
func (g *Gen) value(fd protoreflect.FieldDescriptor, small bool) (protoreflect.Value, string) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		s, what := g.text(string(fd.Name()), small)
		return protoreflect.ValueOfString(s), what
	case protoreflect.BytesKind:
		sizes := []int{0, 1, 64, 70_000}
		if small {
			sizes = sizes[:3]
		}
		b := make([]byte, sizes[g.r.IntN(len(sizes))])
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		return protoreflect.ValueOfBytes(b), fmt.Sprintf("%d bytes", len(b))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(g.r.IntN(2) == 0), "a bool"
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if g.r.IntN(3) == 0 && vals.Len() > 0 {
			v := vals.Get(g.r.IntN(vals.Len()))
			return protoreflect.ValueOfEnum(v.Number()), "enum " + string(v.Name())
		}
		n := []protoreflect.EnumNumber{-1, protoreflect.EnumNumber(vals.Len()), 999, math.MaxInt32, math.MinInt32}[g.r.IntN(5)]
		return protoreflect.ValueOfEnum(n), fmt.Sprintf("enum number %d", n)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f := []float64{0, -1, math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64, 1e-300}[g.r.IntN(8)]
		if fd.Kind() == protoreflect.FloatKind {
			return protoreflect.ValueOfFloat32(float32(f)), fmt.Sprintf("float %g", f)
		}
		return protoreflect.ValueOfFloat64(f), fmt.Sprintf("double %g", f)
	}
	n := []int64{0, -1, 1, math.MinInt32, math.MaxInt32, math.MinInt64, math.MaxInt64, g.r.Int64N(1 << 40), -g.r.Int64N(1 << 40)}[g.r.IntN(9)]
	what := fmt.Sprintf("number %d", n)
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(n)), what
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(n)), what
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(n)), what
	}
	return protoreflect.ValueOfInt64(n), what
}

// hostileText are strings no form of ours sends.
var hostileText = []string{
	"", " ", "a", "Amina\x00", "\x00", "Amina\x1b[2J", "Amina\u202eanimA\u202c", "\u200b", "\ufeffAmina", "Amina\r\nX-Header: 1",
	"%s%!d%v", "../../etc/passwd", "*", ".", "a.b", ">", "'; DROP TABLE x;--", "<script>alert(1)</script>",
	"𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\U0010FFFF", "\uFFFD", "0", "-1", "2026-02-30", "9999-12-31", "0001-01-01", "25:61", "null", "{}",
}

// notUTF8 are string field values no encoder writes.
var notUTF8 = [][]byte{
	protowire.AppendString(nil, "\xff\xfeabc"), protowire.AppendString(nil, "Amina\xc3"), protowire.AppendString(nil, "\xed\xa0\x80"),
}

// text is a generated string for a field called name.
func (g *Gen) text(name string, small bool) (string, string) {
	id := name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_ids")
	if id && g.r.IntN(2) == 0 {
		if g.opts.IDs != nil {
			if known := g.opts.IDs(name); len(known) > 0 && g.r.IntN(2) == 0 {
				return known[g.r.IntN(len(known))], "a planted id"
			}
		}
		return g.UUID(), "an id of nothing"
	}
	switch k := g.r.IntN(10); {
	case k < 5 || small:
		s := hostileText[g.r.IntN(len(hostileText))]
		return s, fmt.Sprintf("%q", clip(s))
	case k < 9:
		n := []int{65, 101, 201, 256, 1001, 5001}[g.r.IntN(6)]
		return strings.Repeat(string(rune('a'+g.r.IntN(26))), n), fmt.Sprintf("%d characters", n)
	}
	return strings.Repeat("å", g.opts.BigString/2), fmt.Sprintf("%d bytes", g.opts.BigString)
}

// UUID is a UUIDv7-shaped id from the generator's source: well formed,
// naming nothing.
func (g *Gen) UUID() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// mutate changes the bytes of a valid encoding.
func (g *Gen) mutate(good []byte) (string, []byte) {
	b := slices.Clone(good)
	switch k := g.r.IntN(6); {
	case k == 0 && len(b) > 1:
		n := 1 + g.r.IntN(len(b)-1)
		return fmt.Sprintf("cut to %d of %d bytes", n, len(b)), b[:n]
	case k == 1 && len(b) > 0:
		i := g.r.IntN(len(b))
		b[i] ^= byte(1 << g.r.IntN(8))
		return fmt.Sprintf("bit flipped at %d", i), b
	case k == 2 && len(b) > 0:
		i := g.r.IntN(len(b))
		b[i] = byte(g.r.IntN(256))
		return fmt.Sprintf("byte %d replaced", i), b
	case k == 3:
		return "a field promising more than follows", append(b, 0x0a, 0x7f, 'a')
	case k == 4:
		// Unknown field numbers of every wire type, and a group never closed.
		b = protowire.AppendTag(b, 9999, protowire.VarintType)
		b = protowire.AppendVarint(b, math.MaxUint64)
		b = protowire.AppendTag(b, 10_000, protowire.BytesType)
		b = protowire.AppendBytes(b, []byte("unknown"))
		b = protowire.AppendTag(b, 10_001, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, 1)
		return "unknown fields", b
	}
	b = append(b, make([]byte, 1+g.r.IntN(8))...)
	for i := len(good); i < len(b); i++ {
		b[i] = byte(g.r.IntN(256))
	}
	return "random bytes appended", b
}

// wrap appends to good the length-delimited value at the field path fds,
// each outer field a message holding the next: the wire merges it into
// the request, so only that field changes.
func wrap(good []byte, fds []protoreflect.FieldDescriptor, value []byte) []byte {
	last := fds[len(fds)-1]
	inner := protowire.AppendTag(nil, last.Number(), protowire.BytesType)
	inner = append(inner, value...)
	for i := len(fds) - 2; i >= 0; i-- {
		inner = protowire.AppendBytes(protowire.AppendTag(nil, fds[i].Number(), protowire.BytesType), inner)
	}
	return append(slices.Clone(good), inner...)
}

// det writes the same bytes for the same message every time (maps and
// dynamic messages are otherwise ranged in no set order), so a seed
// replays its cases byte for byte.
var det = proto.MarshalOptions{Deterministic: true, AllowPartial: true}

// Seed is def, or MP_FUZZ_SEED when set: a test's cases are fixed by its
// seed, and a longer hunt under another seed needs no edit.
func Seed(def uint64) uint64 {
	if n, err := strconv.ParseUint(os.Getenv("MP_FUZZ_SEED"), 10, 64); err == nil {
		return n
	}
	return def
}

// Scale is n times MP_FUZZ_SCALE when that is a whole number above 1, else
// n: the cases per method of a hunt longer than the test's own.
func Scale(n int) int {
	if k, err := strconv.Atoi(os.Getenv("MP_FUZZ_SCALE")); err == nil && k > 1 {
		return n * k
	}
	return n
}
