package grpcx

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// rawCodec sends a request's bytes exactly as given, so a test can send
// what no generated client would.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

// reached is a ParticipantService whose handlers record that they ran.
type reached struct {
	participantsv1.UnimplementedParticipantServiceServer
	calls chan string
}

func (r *reached) CreateParticipant(_ context.Context, req *participantsv1.CreateParticipantRequest) (*participantsv1.CreateParticipantResponse, error) {
	r.calls <- req.GetRequestId()
	return &participantsv1.CreateParticipantResponse{}, nil
}

func TestServer_UndecodableRequestsAreInvalidArgument(t *testing.T) {
	t.Parallel()
	h := start(t, time.Minute, nil)
	ctx := testutil.Context(t)
	badUTF8 := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff\xfe")
	truncated := []byte{0x0a, 0x05, 'a'}
	for name, tc := range map[string]struct {
		raw         []byte
		field, desc string
	}{
		// The one decoding error whose field can be named is named.
		"invalid UTF-8": {badUTF8, "service", notUTF8Message},
		"truncated":     {truncated, "", undecodableMessage},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			check := func(what string, err error) {
				t.Helper()
				if got, want := status.Code(err), codes.InvalidArgument; got != want {
					t.Fatalf("%s(%x) = %v, want %v", what, tc.raw, err, want)
				}
				if msg := status.Convert(err).Message(); strings.Contains(msg, "proto:") {
					t.Errorf("%s: message %q: want no parser detail", what, msg)
				}
				var got []string
				for _, d := range status.Convert(err).Details() {
					if br, ok := d.(*errdetails.BadRequest); ok {
						for _, v := range br.GetFieldViolations() {
							got = append(got, v.GetField()+": "+v.GetDescription())
						}
					}
				}
				if want := tc.field + ": " + tc.desc; len(got) != 1 || got[0] != want {
					t.Errorf("%s: violations %q, want [%q]", what, got, want)
				}
			}
			var out []byte
			check("Check", h.cc.Invoke(ctx, healthpb.Health_Check_FullMethodName, &tc.raw, &out, grpc.ForceCodecV2(rawCodec{})))
			// A streaming method refuses the same bytes the same way.
			desc := &grpc.StreamDesc{ServerStreams: true}
			st, err := h.cc.NewStream(ctx, desc, healthpb.Health_Watch_FullMethodName, grpc.ForceCodecV2(rawCodec{}))
			if err != nil {
				t.Fatalf("NewStream: %v", err)
			}
			if err := st.SendMsg(&tc.raw); err != nil {
				t.Fatalf("SendMsg: %v", err)
			}
			_ = st.CloseSend()
			var resp []byte
			check("Watch", st.RecvMsg(&resp))
		})
	}
	// A good request on the same connection still works.
	if _, err := healthpb.NewHealthClient(h.cc).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("Check after bad requests: %v", err)
	}
}

func TestServer_RepeatedFieldsBoundedBeforeDecoding(t *testing.T) {
	t.Parallel()
	impl := &reached{calls: make(chan string, 10)}
	client := participantsv1.NewParticipantServiceClient(serveWith(t, func(s *grpc.Server) {
		participantsv1.RegisterParticipantServiceServer(s, impl)
	}))
	ctx := testutil.Context(t)

	tests := []struct {
		name      string
		p         *participantsv1.Participant
		wantField string
	}{
		{"consents", &participantsv1.Participant{Consents: make([]*participantsv1.Consent, MaxRepeated+1)}, "participant.consents"},
		{"packed diets", &participantsv1.Participant{Diets: make([]typev1.Diet, 100_000)}, "participant.diets"},
		{"nested", &participantsv1.Participant{
			Languages: []*typev1.LanguageSkill{{Code: "ar"}},
			Household: &participantsv1.Household{MemberAges: make([]int32, MaxRepeated+1)},
		}, "participant.household.member_ages"},
	}
	for i := range tests[0].p.Consents {
		tests[0].p.Consents[i] = &participantsv1.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: tt.p, RequestId: tt.name})
			if got, want := status.Code(err), codes.InvalidArgument; got != want {
				t.Fatalf("CreateParticipant = %v, want %v", err, want)
			}
			vs := FieldViolations(err)
			if len(vs) != 1 || vs[0].Field != tt.wantField {
				t.Fatalf("violations = %+v, want one on %s", vs, tt.wantField)
			}
		})
	}
	// At the bound the request reaches the handler.
	ok := &participantsv1.Participant{Diets: make([]typev1.Diet, MaxRepeated)}
	if _, err := client.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: ok, RequestId: "at-bound"}); err != nil {
		t.Fatalf("CreateParticipant at the bound: %v", err)
	}
	close(impl.calls)
	var got []string
	for c := range impl.calls {
		got = append(got, c)
	}
	if fmt.Sprint(got) != "[at-bound]" {
		t.Fatalf("handler ran for %v, want only [at-bound]", got)
	}
}

func TestScanRepeated(t *testing.T) {
	t.Parallel()
	p := &participantsv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		Languages: make([]*typev1.LanguageSkill, 3),
		Interests: make([]string, MaxRepeated),
	}}
	for i := range p.Participant.Languages {
		p.Participant.Languages[i] = &typev1.LanguageSkill{Code: "ar"}
	}
	b, err := proto.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	md := p.ProtoReflect().Descriptor()
	if f := scanRepeated(b, md, 0); f != "" {
		t.Fatalf("scan at the bound = %q, want none", f)
	}
	p.Participant.Interests = append(p.Participant.Interests, "one-too-many")
	b, _ = proto.Marshal(p)
	if f, want := scanRepeated(b, md, 0), "participant.interests"; f != want {
		t.Fatalf("scan = %q, want %q", f, want)
	}
	if f := scanRepeated([]byte{0x0a, 0xff}, md, 0); f != "" {
		t.Fatalf("scan of malformed input = %q, want none (left to proto)", f)
	}
}

// serveWith serves what register adds on a NewServer and returns a client
// connection to it.
func serveWith(t *testing.T, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	srv, hs := NewServer(Options{Logger: slog.New(slog.DiscardHandler)})
	register(srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, srv, hs, lis, time.Second) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	cc, err := Dial(lis.Addr().String())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// TestCodec_ForgetsEachFailure: the record of a failed decode goes as soon
// as the interceptor answers it, so failures cannot pile up in memory.
func TestCodec_ForgetsEachFailure(t *testing.T) {
	t.Parallel()
	c := &codec{}
	ran := false
	handler := func(context.Context, any) (any, error) { ran = true; return nil, nil }
	for range 100 {
		req := &healthpb.HealthCheckRequest{}
		bad := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff")
		if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(bad)}, req); err != nil {
			t.Fatalf("Unmarshal returned %v; the codec must leave the answer to the interceptor", err)
		}
		if _, err := c.unary()(context.Background(), req, &grpc.UnaryServerInfo{}, handler); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("interceptor = %v, want InvalidArgument", err)
		}
	}
	if ran {
		t.Fatal("the handler ran for a request that did not decode")
	}
	n := 0
	c.failed.Range(func(any, any) bool { n++; return true })
	if n != 0 || c.pending.Load() != 0 {
		t.Fatalf("%d failures (pending %d) remembered after every call was answered, want 0", n, c.pending.Load())
	}
	good := &healthpb.HealthCheckRequest{}
	if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "svc"))}, good); err != nil {
		t.Fatal(err)
	}
	if _, err := c.unary()(context.Background(), good, &grpc.UnaryServerInfo{}, handler); err != nil || !ran || good.GetService() != "svc" {
		t.Fatalf("good request: err=%v ran=%v service=%q", err, ran, good.GetService())
	}
}

// BenchmarkCodecUnmarshal measures the wire scan's share of decoding a
// typical create request: "proto" is plain proto.Unmarshal, "codec" the
// server codec with its scan.
func BenchmarkCodecUnmarshal(b *testing.B) {
	req := &participantsv1.CreateParticipantRequest{RequestId: "r1", Participant: &participantsv1.Participant{
		OrganisationId: "org-a", MunicipalityCode: "0180", GivenName: "Amina", FamilyName: "Hassan",
		Contact:   &typev1.Contact{Email: "amina@example.org", Phone: "+46701234567", PreferredLanguage: "ar"},
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: 4}, {Code: "en", Level: 2}},
		Interests: []string{"cooking", "football"}, Diets: []typev1.Diet{3},
		Household:    &participantsv1.Household{Size: 3, MemberAges: []int32{34, 6}},
		Availability: []*typev1.Availability{{Weekday: 2, DayPart: 3}},
		Consents:     []*participantsv1.Consent{{Purpose: 1, TextVersion: "2026-01", Language: "ar"}},
	}}
	raw, err := proto.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("proto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := proto.Unmarshal(raw, &participantsv1.CreateParticipantRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("codec", func(b *testing.B) {
		c := &codec{}
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(raw)}, &participantsv1.CreateParticipantRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestScanUTF8 names the string field whose bytes are not UTF-8, at any
// depth and entry, and nothing in a request without one.
func TestScanUTF8(t *testing.T) {
	t.Parallel()
	md := (&participantsv1.CreateParticipantRequest{}).ProtoReflect().Descriptor()
	field := func(m protoreflect.MessageDescriptor, name string) protowire.Number {
		return m.Fields().ByName(protoreflect.Name(name)).Number()
	}
	str := func(num protowire.Number, s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), s)
	}
	msg := func(num protowire.Number, inner ...[]byte) []byte {
		var b []byte
		for _, i := range inner {
			b = append(b, i...)
		}
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), b)
	}
	pmd := md.Fields().ByName("participant").Message()
	p, interests, given := field(md, "participant"), field(pmd, "interests"), field(pmd, "given_name")
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"valid", append(str(field(md, "request_id"), "r1"), msg(p, str(given, "Åsa"))...), ""},
		{"top level", str(field(md, "request_id"), "\xff"), "request_id"},
		{"nested", msg(p, str(given, "Amina"), str(field(pmd, "family_name"), "Has\xc3")), "participant.family_name"},
		{"third entry", msg(p, str(interests, "a"), str(interests, "b"), str(interests, "\xfe")), "participant.interests[2]"},
		{"cut short before it", append([]byte{0x0a, 0x05, 'a'}, str(field(md, "request_id"), "\xff")...), ""},
	} {
		if got := scanUTF8(tc.b, md, 0); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
