package core

import (
	"net"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/testing/protocmp"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// TestForwardPairs checks every pair of messages the gateway passes on
// with forward: each field of the source arrives in the destination with
// its value, except the fields the gateway settles itself (own), and a
// field added to the source proto without a twin in the destination fails
// here until it is forwarded or named as the gateway's own.
func TestForwardPairs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src, dst proto.Message
		// own are the source fields the gateway settles itself: the scope
		// it fills from the caller, or records it turns into views.
		own []string
	}{
		{&gatewayv1.ListParticipantsRequest{}, &participantsv1.ListParticipantsRequest{}, nil},
		{&participantsv1.ListParticipantsResponse{}, &gatewayv1.ListParticipantsResponse{}, nil},
		{&gatewayv1.ListVolunteersRequest{}, &volunteersv1.ListVolunteersRequest{}, nil},
		{&volunteersv1.ListVolunteersResponse{}, &gatewayv1.ListVolunteersResponse{}, nil},
		{&gatewayv1.ListPairsRequest{}, &mentoringv1.ListPairsRequest{}, nil},
		{&mentoringv1.ListPairsResponse{}, &gatewayv1.ListPairsResponse{}, []string{"pairs"}},
		{&gatewayv1.GetMentoringReportRequest{}, &mentoringv1.GetReportRequest{}, []string{"organisation_id", "municipality_codes"}},
		{&gatewayv1.ListDinnerOffersRequest{}, &dinnersv1.ListOffersRequest{}, nil},
		{&dinnersv1.ListOffersResponse{}, &gatewayv1.ListDinnerOffersResponse{}, []string{"offers"}},
		{&gatewayv1.UpdateDinnerOfferRequest{}, &dinnersv1.UpdateOfferRequest{}, nil},
		{&gatewayv1.ListDinnerSignUpsRequest{}, &dinnersv1.ListSignUpsRequest{}, nil},
		{&dinnersv1.ListSignUpsResponse{}, &gatewayv1.ListDinnerSignUpsResponse{}, []string{"sign_ups"}},
		{&gatewayv1.UpdateDinnerSignUpRequest{}, &dinnersv1.UpdateSignUpRequest{}, nil},
		{&gatewayv1.ListUnseatedPartiesRequest{}, &dinnersv1.ListUnseatedRequest{}, nil},
		{&dinnersv1.ListUnseatedResponse{}, &gatewayv1.ListUnseatedPartiesResponse{}, nil},
		{&gatewayv1.ListSeatingsRequest{}, &dinnersv1.ListSeatingsRequest{}, nil},
		{&dinnersv1.ListSeatingsResponse{}, &gatewayv1.ListSeatingsResponse{}, []string{"seatings"}},
		{&gatewayv1.GetDinnerReportRequest{}, &dinnersv1.GetReportRequest{}, []string{"organisation_id", "municipality_codes"}},
		{&gatewayv1.ListGuideEligibilityRequest{}, &guidesv1.ListEligibilityRequest{}, []string{"municipality_codes"}},
		{&guidesv1.ListEligibilityResponse{}, &gatewayv1.ListGuideEligibilityResponse{}, []string{"eligibility"}},
		{&gatewayv1.ListGuideOrganisationsRequest{}, &guidesv1.ListGuideOrganisationsRequest{}, nil},
		{&guidesv1.ListGuideOrganisationsResponse{}, &gatewayv1.ListGuideOrganisationsResponse{}, []string{"organisations"}},
		{&gatewayv1.StartGuideJobRequest{}, &guidesv1.StartAssignmentJobRequest{}, []string{"municipality_codes"}},
		{&gatewayv1.ListGuideAssignmentsRequest{}, &guidesv1.ListAssignmentsRequest{}, nil},
		{&guidesv1.ListAssignmentsResponse{}, &gatewayv1.ListGuideAssignmentsResponse{}, []string{"assignments"}},
		{&gatewayv1.GetGuideEquityRequest{}, &guidesv1.GetEquityRequest{}, []string{"municipality_codes"}},
	}
	for _, tt := range tests {
		name := string(tt.src.ProtoReflect().Descriptor().Name()) + "->" + string(tt.dst.ProtoReflect().Descriptor().Name())
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := fillAll(t, tt.src)
			dst := forward(proto.Clone(tt.dst), src)
			sm, dm := src.ProtoReflect(), dst.ProtoReflect()
			fs := sm.Descriptor().Fields()
			for i := range fs.Len() {
				sf := fs.Get(i)
				own := slices.Contains(tt.own, string(sf.Name()))
				df := dm.Descriptor().Fields().ByName(sf.Name())
				arrived := df != nil && dm.Has(df)
				switch {
				case own:
					// The gateway sets or replaces it after forward.
				case !arrived:
					t.Errorf("field %s does not arrive in %s: forward it (same name and type) or list it as the gateway's own",
						sf.Name(), dm.Descriptor().FullName())
				default:
					if got, want := dm.Get(df), sm.Get(sf); !got.Equal(want) {
						t.Errorf("field %s = %v, want %v", sf.Name(), got, want)
					}
				}
			}
			// Nothing arrives that the source did not carry.
			dm.Range(func(df protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
				if fs.ByName(df.Name()) == nil {
					t.Errorf("field %s set in %s without a source field", df.Name(), dm.Descriptor().FullName())
				}
				return true
			})
		})
	}
}

// TestForwardSkipsOtherTypes: a field of the same name but another type
// (a view where the service has the record) is left out, and a nil source
// leaves the destination as it was.
func TestForwardSkipsOtherTypes(t *testing.T) {
	t.Parallel()
	got := forward(&gatewayv1.ListPairsResponse{}, &mentoringv1.ListPairsResponse{
		Pairs: []*mentoringv1.Pair{{Id: "p1"}}, NextPageToken: "next", TotalSize: 3,
	})
	want := &gatewayv1.ListPairsResponse{NextPageToken: "next", TotalSize: 3}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var nilReq *gatewayv1.ListPairsRequest
	keep := &mentoringv1.ListPairsRequest{JobId: "j1"}
	if got := forward(keep, nilReq); got.GetJobId() != "j1" {
		t.Errorf("job id %q after a nil source, want j1", got.GetJobId())
	}
	if got := forward(keep, nil); got.GetJobId() != "j1" {
		t.Errorf("job id %q after a nil interface, want j1", got.GetJobId())
	}
}

// fillAll returns a copy of m with every field set to a value that is not
// the zero value of its type, so a field forward drops shows as missing.
func fillAll(t *testing.T, m proto.Message) proto.Message {
	t.Helper()
	m = proto.Clone(m)
	r := m.ProtoReflect()
	fs := r.Descriptor().Fields()
	for i := range fs.Len() {
		f := fs.Get(i)
		switch {
		case f.IsMap():
			t.Fatalf("field %s is a map: forward never copies maps", f.Name())
		case f.IsList():
			r.Mutable(f).List().Append(sample(r.Mutable(f).List().NewElement(), f, i))
		case f.Message() != nil:
			r.Mutable(f) // an empty message is set, and differs from unset
		default:
			r.Set(f, sample(protoreflect.Value{}, f, i))
		}
	}
	return m
}

// sample is a value of f's kind that is not zero and differs per field
// index i; el is the list's new element for message lists.
func sample(el protoreflect.Value, f protoreflect.FieldDescriptor, i int) protoreflect.Value {
	switch f.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("v" + string(rune('a'+i)))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(i + 1))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(i + 1))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(i + 1))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(i + 1))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(float64(i + 1))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(i + 1))
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte{byte(i + 1)})
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(1)
	}
	return el // a message: the list's new, empty element
}

// BenchmarkForward measures forward on the widest request the gateway
// passes on (ListSeatings, six fields) beside the hand-written copy it
// replaced and, as the limit, the call that always follows it: the
// cheapest gRPC round trip on loopback (a health check against a real
// grpc-go server started here). forward must stay a small fraction of
// that line in the same run.
func BenchmarkForward(b *testing.B) {
	r := &gatewayv1.ListSeatingsRequest{JobId: "01J9Z6Q4J1", Statuses: []eventsv1.SeatingStatus{1, 2}, OfferId: "01J9Z6Q4J2",
		SignUpId: "01J9Z6Q4J3", PageSize: 50, PageToken: "djE6MDFKOVo2UTRKNA"}
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			_ = forward(&dinnersv1.ListSeatingsRequest{}, r)
		}
	})
	b.Run("by-hand", func(b *testing.B) {
		for b.Loop() {
			_ = &dinnersv1.ListSeatingsRequest{JobId: r.GetJobId(), Statuses: r.GetStatuses(), OfferId: r.GetOfferId(),
				SignUpId: r.GetSignUpId(), PageSize: r.GetPageSize(), PageToken: r.GetPageToken()}
		}
	})
	b.Run("limit-loopback-grpc", func(b *testing.B) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := grpc.NewServer()
		healthpb.RegisterHealthServer(srv, health.NewServer())
		go func() { _ = srv.Serve(lis) }()
		b.Cleanup(srv.Stop)
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = conn.Close() })
		hc := healthpb.NewHealthClient(conn)
		for b.Loop() {
			if _, err := hc.Check(b.Context(), &healthpb.HealthCheckRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
