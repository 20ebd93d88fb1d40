package api

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// TestWrongTypeNamed: a value of the wrong JSON type (an object for a
// name, a string for a list, "yes" for true, a bad moment) was answered
// with protojson's words and no field (ADR 0154). Every field kind the
// gateway's requests have, given every JSON type: the walk names a field
// exactly when protojson refuses the body, and takes what it takes.
func TestWrongTypeNamed(t *testing.T) {
	t.Parallel()
	fields := []struct {
		msg  proto.Message
		body string // %s: the value
	}{
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"givenName":%s}}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"interests":%s}}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"interests":["a",%s]}}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"validateOnly":%s}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":%s}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"household":%s}}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"languages":%s}}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"languages":[%s]}}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"swedishLevel":%s}}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"household":{"memberAges":%s}}}`},
		{&gatewayv1.ListSeatingsRequest{}, `{"statuses":[%s]}`},
		{&gatewayv1.ListAuditEntriesRequest{}, `{"startTime":%s}`},
		{&gatewayv1.StartDinnerJobRequest{}, `{"municipalityCodes":%s}`},
	}
	values := []string{`"x"`, `""`, `"0180"`, `1`, `1.5`, `-0`, `true`, `false`, `null`, `[]`, `[1]`, `["x"]`, `[null]`, `[{}]`,
		`{}`, `{"a":1}`, `{"code":"ar"}`, `"SWEDISH_LEVEL_SFI_B"`, `"SEATING_STATUS_PROPOSED"`, `"2026-12-05T14:05:00Z"`,
		`"2026-12-05T14:05:00+01:00"`, `"2026-12-05"`, `"yesterday"`, `"true"`, `"1"`}
	for _, f := range fields {
		for _, v := range values {
			body := strings.Replace(f.body, "%s", v, 1)
			m := f.msg.ProtoReflect().New().Interface()
			perr := protojson.Unmarshal([]byte(body), m)
			w, err := unknownInJSON([]byte(body), f.msg.ProtoReflect().Descriptor())
			switch {
			case err != nil:
				t.Errorf("%s: the walk finds no JSON request: %v (protojson: %v)", body, err, perr)
			case perr == nil && !w.Valid():
				t.Errorf("%s: protojson takes it, the walk refuses it: %v", body, w.Err())
			case perr != nil && w.Valid():
				t.Errorf("%s: protojson refuses it (%v), the walk names no field", body, perr)
			}
		}
	}
	// Through the codec, as a caller meets it: the field and its type.
	m := &gatewayv1.CreateParticipantRequest{}
	if err := (jsonCodec{"json"}).Unmarshal([]byte(`{"participant":{"givenName":{"x":1},"languages":"ar"}}`), m); err != nil {
		t.Fatalf("codec: %v, want a refusal naming the fields", err)
	}
	got := refusal(m)
	if got == nil || !strings.Contains(errText(got), "participant.given_name: "+textText) || !strings.Contains(errText(got), "participant.languages: "+listText) {
		t.Errorf("codec refusal %v, want participant.given_name and participant.languages named", got)
	}
}

// TestHalfCharacterKeyNamed: a key with a \u escape of a lone surrogate
// is named for its half character, not only as "?, not a field".
func TestHalfCharacterKeyNamed(t *testing.T) {
	t.Parallel()
	body := `{"participant":{"given\ud800":"A"}}`
	if protojson.Unmarshal([]byte(body), &gatewayv1.CreateParticipantRequest{}) == nil {
		t.Fatal("protojson takes a lone surrogate in a key")
	}
	w, err := unknownInJSON([]byte(body), (&gatewayv1.CreateParticipantRequest{}).ProtoReflect().Descriptor())
	if err != nil || w.Valid() || !strings.Contains(errText(w.Err()), "participant.given?: "+halfCharText) {
		t.Errorf("walk %v %v, want participant.given?: %q", err, w.Err(), halfCharText)
	}
}

// errText is err's field violations as "field: description" lines.
func errText(err error) string {
	var b strings.Builder
	for _, fv := range apperr.Violations(err) {
		b.WriteString(fv.Field + ": " + fv.Description + "\n")
	}
	return b.String()
}
