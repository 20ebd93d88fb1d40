package grpcx

import (
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// FuzzCodecUnmarshal: the server codec reads a request's bytes before
// anyone is authenticated. For any bytes it returns nil (gRPC would
// answer Internal otherwise), and either decodes them into the request
// or holds a refusal of one field violation in its own words (no
// parser's text), with the request left empty and no repeated field past
// MaxRepeated decoded.
func FuzzCodecUnmarshal(f *testing.F) {
	good, _ := proto.Marshal(&participantsv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		GivenName: "Amina", Interests: []string{"cooking"},
		Languages: []*typev1.LanguageSkill{{Code: "ar"}},
		Consents:  []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING}},
	}})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x05, 'a'})
	f.Add(append(good, protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff")...))
	var many []byte
	for range MaxRepeated + 1 {
		many = protowire.AppendTag(many, 9, protowire.BytesType)
		many = protowire.AppendBytes(many, []byte("x"))
	}
	f.Add(protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), many))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &codec{}
		m := &participantsv1.CreateParticipantRequest{}
		if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, m); err != nil {
			t.Fatalf("Unmarshal: %v: gRPC answers that Internal", err)
		}
		err := c.takeFailure(m)
		if err == nil {
			if n := len(m.GetParticipant().GetInterests()); n > MaxRepeated {
				t.Fatalf("decoded %d interests", n)
			}
			return
		}
		st := status.Convert(err)
		var vs []*errdetails.BadRequest_FieldViolation
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				vs = append(vs, br.GetFieldViolations()...)
			}
		}
		if st.Code() != codes.InvalidArgument || len(vs) != 1 {
			t.Fatalf("refusal %v: want InvalidArgument with one field violation", err)
		}
		if d := vs[0].GetDescription(); d != undecodableMessage && d != notUTF8Message && !strings.HasPrefix(d, "must list at most") {
			t.Fatalf("refusal in other words: %q", d)
		}
		if strings.Contains(st.Message(), "proto:") {
			t.Fatalf("refusal in a parser's words: %q", st.Message())
		}
		if proto.Size(m) != 0 {
			t.Fatalf("refused, and the request still holds %v", m)
		}
	})
}
