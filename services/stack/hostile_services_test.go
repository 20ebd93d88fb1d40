package main

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// hostile is one request no client of ours would send, and the field a
// refusal must name ("" when any refusal without internal detail will do).
type hostile struct {
	name  string
	body  []byte
	field string
}

// goText is text of the implementation a caller must never read.
var goText = []string{"proto:", ".go:", "runtime", "panic", "%!", "nil pointer", "invalid memory", "nats:",
	"jetstream", "redis", "goroutine", "context canceled", "unmarshal", "<nil>"}

// hostileFor makes the hostile requests for m from base (a request with
// every id field at an id of nothing): per string field text that is not
// UTF-8 and 100,000 characters; per enum field a number it does not have;
// per repeated field one entry more than grpcx.MaxRepeated; per id field
// an id of another kind, one with a dot, a wildcard and 5,000 characters;
// page sizes below and far above the bounds and page tokens of another
// RPC, of nothing and of 200,000 characters; and the request cut short.
func hostileFor(m serviceMethod, base *dynamicpb.Message, otherKind, otherToken string) []hostile {
	good, _ := proto.Marshal(base)
	out := []hostile{{"cut short", cut(good), ""}}
	walk(base.Descriptor(), "", 0, func(path string, nums []protowire.Number, fd protoreflect.FieldDescriptor) {
		name := string(fd.Name())
		add := func(what string, value func(protoreflect.Message), field string) {
			req := proto.Clone(base).(*dynamicpb.Message)
			value(at(req, nums))
			if mask := req.Descriptor().Fields().ByName("update_mask"); mask != nil && len(nums) > 1 {
				// An update reads only the fields its mask names.
				_, rel, _ := strings.Cut(path, ".")
				rel, _, _ = strings.Cut(rel, ".") // masks name a record's own fields
				paths := req.Mutable(mask).Message()
				paths.Mutable(paths.Descriptor().Fields().ByName("paths")).List().Append(protoreflect.ValueOfString(rel))
			}
			b, err := proto.Marshal(req)
			if err != nil {
				return // not a value the wire can carry
			}
			out = append(out, hostile{path + ": " + what, b, field})
		}
		switch {
		case fd.Kind() == protoreflect.StringKind:
			out = append(out, hostile{path + ": not UTF-8", wrap(good, nums, protowire.AppendString(nil, "\xff\xfeabc")), path})
			for what, v := range hostileText {
				add(what, func(r protoreflect.Message) { setString(r, fd, v) }, "")
			}
			if dateField(name) {
				for _, v := range hostileDates {
					add("the date "+v, func(r protoreflect.Message) { setString(r, fd, v) }, "")
				}
			}
			long := strings.Repeat("å", 100_000)
			add("100,000 characters", func(r protoreflect.Message) { setString(r, fd, long) }, "")
			if name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_ids") {
				for what, v := range map[string]string{"an id of another kind": otherKind, "a dot": "a.b", "a wildcard": "*",
					"5,000 characters": strings.Repeat("a", 5000)} {
					add(what, func(r protoreflect.Message) { setString(r, fd, v) }, "")
				}
			}
			if name == "page_token" {
				for what, v := range map[string]string{"another RPC's token": otherToken, "garbage": "x",
					"200,000 characters": strings.Repeat("A", 200_000)} {
					add(what, func(r protoreflect.Message) { setString(r, fd, v) }, "")
				}
			}
		case fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() == "google.protobuf.Timestamp" && !fd.IsList():
			// Outside Timestamp's range (after 9999) and with negative
			// nanoseconds: taken as given, it faults whoever formats it.
			add("a time after 9999", func(r protoreflect.Message) {
				ts := r.Mutable(fd).Message()
				ts.Set(ts.Descriptor().Fields().ByName("seconds"), protoreflect.ValueOfInt64(1<<40))
				ts.Set(ts.Descriptor().Fields().ByName("nanos"), protoreflect.ValueOfInt32(-1))
			}, "")
			return
		case fd.Kind() == protoreflect.EnumKind && !outputOnly[path]:
			for _, n := range []protoreflect.EnumNumber{999, -5} {
				add(fmt.Sprintf("enum %d", n), func(r protoreflect.Message) {
					if fd.IsList() {
						r.Mutable(fd).List().Append(protoreflect.ValueOfEnum(n))
					} else {
						r.Set(fd, protoreflect.ValueOfEnum(n))
					}
				}, path)
			}
		case isInt(fd.Kind()) && name != "page_size":
			for _, n := range []int64{-1, math.MinInt32, math.MaxInt32, math.MaxInt64} {
				add(fmt.Sprintf("the number %d", n), func(r protoreflect.Message) {
					v := protoreflect.ValueOfInt32(int32(n))
					switch fd.Kind() {
					case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
						v = protoreflect.ValueOfInt64(n)
					case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
						v = protoreflect.ValueOfUint32(uint32(n))
					case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
						v = protoreflect.ValueOfUint64(uint64(n))
					}
					if fd.IsList() {
						r.Mutable(fd).List().Append(v)
					} else {
						r.Set(fd, v)
					}
				}, "")
			}
		case name == "page_size":
			for _, n := range []int32{-1, 1 << 30} {
				add(fmt.Sprintf("page size %d", n), func(r protoreflect.Message) { r.Set(fd, protoreflect.ValueOfInt32(n)) }, path)
			}
		}
		if fd.IsList() && fd.Kind() != protoreflect.MessageKind {
			add("1,001 entries", func(r protoreflect.Message) {
				l := r.Mutable(fd).List()
				for range grpcx.MaxRepeated + 1 {
					l.Append(l.NewElement())
				}
			}, path)
		}
	})
	return out
}

// outputOnly are enum fields a request may carry and the service ignores
// (documented so in the proto): no refusal is owed for their values.
var outputOnly = map[string]bool{"offer.host_status": true}

// walk calls f for every scalar field of md and of the messages it holds
// (not google's), with its path and the field numbers leading to it.
func walk(md protoreflect.MessageDescriptor, prefix string, depth int, f func(string, []protowire.Number, protoreflect.FieldDescriptor), nums ...protowire.Number) {
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		path := prefix + string(fd.Name())
		here := append(slices.Clone(nums), fd.Number())
		if fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() == "google.protobuf.Timestamp" {
			f(path, here, fd)
			continue
		}
		if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
			if !fd.IsList() && !fd.IsMap() && depth < 2 && !strings.HasPrefix(string(fd.Message().FullName()), "google.") {
				walk(fd.Message(), path+".", depth+1, f, here...)
			}
			continue
		}
		f(path, here, fd)
	}
}

// at returns the message that holds the last field of nums in req,
// making the messages on the way.
func at(req protoreflect.Message, nums []protowire.Number) protoreflect.Message {
	m := req
	for _, n := range nums[:len(nums)-1] {
		m = m.Mutable(m.Descriptor().Fields().ByNumber(n)).Message()
	}
	return m
}

func setString(m protoreflect.Message, fd protoreflect.FieldDescriptor, v string) {
	if fd.IsList() {
		m.Mutable(fd).List().Append(protoreflect.ValueOfString(v))
		return
	}
	m.Set(fd, protoreflect.ValueOfString(v))
}

// wrap appends to good the length-delimited value at the field path nums,
// each outer field a message holding the next: the wire merges it into
// the request, so only that field changes.
func wrap(good []byte, nums []protowire.Number, value []byte) []byte {
	inner := protowire.AppendTag(nil, nums[len(nums)-1], protowire.BytesType)
	inner = append(inner, value...)
	for i := len(nums) - 2; i >= 0; i-- {
		inner = protowire.AppendBytes(protowire.AppendTag(nil, nums[i], protowire.BytesType), inner)
	}
	return append(slices.Clone(good), inner...)
}

// cut drops the request's last byte, or sends a field that promises five
// bytes and has one.
func cut(good []byte) []byte {
	if len(good) > 1 {
		return good[:len(good)-1]
	}
	return []byte{0x0a, 0x05, 'a'}
}

// TestServiceHostileInput sends every RPC of every service, as an
// administrator (who reaches deepest), the hostile requests of hostileFor:
// the answer is never Internal, Unknown or a timeout, never holds Go's or
// a library's text, and a refusal is InvalidArgument with field
// violations, naming the field where the request has one to name (bytes
// cut short are a violation of the request as a whole, field "").
// Requests name the planted records (plantedRequest), so what a service
// reads only with a record at hand is judged too; an OK answer holds no
// hostile text or date back, and no planted record holds one afterwards
// (ADR 0195).
func TestServiceHostileInput(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	l, _, _ := startStack(t, cfg)
	ctx := testutil.Context(t)
	plant := plantForSweep(t, ctx, cfg, l)
	s := newSweeper(t, l)
	admin := mint(t, cfg)
	otherToken := page.Encode(plant.ids["pair"]) // as ListPairs would make it
	calls, refusals := 0, 0
	before := plantedRecords(t, ctx, s, plant, admin)
	accepted, byCode := map[string]int{}, map[codes.Code]int{}
	for _, m := range serviceMethods(t) {
		base := plantedRequest(m, plant, ids.UUIDv7{}.New(), "hostile")
		for _, h := range hostileFor(m, base, plant.ids["job"], otherToken) {
			calls++
			a := s.call(ctx, m, admin, &h.body)
			byCode[a.code]++
			if a.code == codes.OK && !strings.HasPrefix(h.name, "cut") {
				accepted[m.path()+" "+h.name]++
				for _, v := range storedHostile {
					if bytes.Contains(h.body, []byte(v)) && bytes.Contains(a.body, []byte(v)) {
						t.Errorf("%s, %s: OK, and the answer holds %q back: it was stored", m.path(), h.name, v)
					}
				}
			}
			switch a.code {
			case codes.Internal, codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented, codes.DataLoss:
				t.Errorf("%s, %s: %v", m.path(), h.name, a)
				continue
			case codes.InvalidArgument:
				refusals++
				if len(a.violations) == 0 {
					t.Errorf("%s, %s: %v, without a field violation", m.path(), h.name, a)
				}
				if h.field != "" && len(a.violations) > 0 && !slices.ContainsFunc(a.violations, func(v string) bool {
					return v == h.field || strings.HasPrefix(v, h.field+"[") || strings.HasPrefix(v, h.field+".")
				}) {
					t.Errorf("%s, %s: %v, want a violation of %s", m.path(), h.name, a, h.field)
				}
			case codes.NotFound, codes.PermissionDenied:
				// Refused for the record or the caller before any field is
				// read (only the gateway may answer links).
			default:
				if h.field != "" {
					// A bad enum or page size that is not refused is taken
					// as something it is not.
					t.Errorf("%s, %s: %v, want InvalidArgument on %s", m.path(), h.name, a, h.field)
				}
			}
			for _, w := range goText {
				if strings.Contains(strings.ToLower(a.msg), w) {
					t.Errorf("%s, %s: %q holds %q", m.path(), h.name, a.msg, w)
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(accepted)) {
		t.Logf("taken: %s", k)
	}
	after := plantedRecords(t, ctx, s, plant, admin)
	for kind, b := range after {
		for _, v := range storedHostile {
			if bytes.Contains(b, []byte(v)) && !bytes.Contains(before[kind], []byte(v)) {
				t.Errorf("the planted %s holds %q after the hostile requests", kind, v)
			}
		}
	}
	if calls < 1000 {
		t.Fatalf("sent only %d hostile requests", calls)
	}
	t.Logf("%d hostile requests, %d refused as InvalidArgument; by code %v", calls, refusals, byCode)
}
