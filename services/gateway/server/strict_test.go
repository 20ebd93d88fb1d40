package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// jsonAnswer is a Connect error as it comes over the wire, with its field
// violations decoded, and the raw body to search.
type jsonAnswer struct {
	status     int
	code, msg  string
	violations []*errdetails.BadRequest_FieldViolation
	raw        string
}

// postJSON posts a JSON body to a gateway procedure as a hand-written
// client would.
func postJSON(t *testing.T, e *env, token, procedure, body string) jsonAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+procedure, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := jsonAnswer{status: res.StatusCode, raw: string(raw)}
	a.code, a.msg, a.violations = connectError(t, raw)
	return a
}

// connectError decodes a Connect JSON error and its google.rpc.BadRequest.
func connectError(t *testing.T, raw []byte) (string, string, []*errdetails.BadRequest_FieldViolation) {
	t.Helper()
	var wire struct {
		Code, Message string
		Details       []struct{ Type, Value string }
	}
	_ = json.Unmarshal(raw, &wire)
	var vs []*errdetails.BadRequest_FieldViolation
	for _, d := range wire.Details {
		if d.Type != "google.rpc.BadRequest" {
			continue
		}
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		var br errdetails.BadRequest
		if err != nil || proto.Unmarshal(b, &br) != nil {
			t.Fatalf("undecodable BadRequest detail %q", d.Value)
		}
		vs = append(vs, br.GetFieldViolations()...)
	}
	return wire.Code, wire.Message, vs
}

// TestUnknownJSONFieldsRefused: a JSON request naming a field its message
// does not have, at the top or nested, or an enum value its enum does not
// declare, is InvalidArgument with one violation per name, in English,
// echoing the name (capped) and never the value; nothing is stored. The
// same volunteer with every field in its place is stored with its e-mail.
func TestUnknownJSONFieldsRefused(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	create := gatewayv1connect.RegistryServiceCreateVolunteerProcedure
	volunteer := func(extra, contact, level string) string {
		top, inside, _ := strings.Cut(extra, "|")
		return `{"requestId":"strict-1",` + top + `"volunteer":{` + inside + `"organisationId":"` + org + `","municipalityCode":"0880",
		  "givenName":"Sigrid","familyName":"Lind","householdSize":1,"birthYear":1980,
		  "contact":{` + contact + `},"languages":[{"code":"sv","level":"` + level + `"}]}}`
	}
	const secret = "sigrid.lind@example.org"
	long := strings.Repeat("x", 1000)
	for _, tc := range []struct {
		name, body, field, text string
	}{
		{"unknown top level", volunteer(`"email":"`+secret+`",`, "", "LANGUAGE_LEVEL_NATIVE"), "email", "is not a field of this request"},
		{"unknown nested", volunteer("", `"email":"`+secret+`","phon":"+46701234567"`, "LANGUAGE_LEVEL_NATIVE"), "volunteer.contact.phon", "is not a field of this request"},
		{"misspelled enum field", volunteer(`|"gendr":"GENDER_WOMAN",`, `"email":"`+secret+`"`, "LANGUAGE_LEVEL_NATIVE"), "volunteer.gendr", "is not a field of this request"},
		{"misspelled enum value", volunteer("", `"email":"`+secret+`"`, "LANGUAGE_LEVEL_NATIVF"), "volunteer.languages[0].level", "is not a value this field has"},
		{"long name", volunteer(`"`+long+`":"`+secret+`",`, "", "LANGUAGE_LEVEL_NATIVE"), strings.Repeat("x", 64) + "...", "is not a field of this request"},
	} {
		a := postJSON(t, e, admin.token, create, tc.body)
		if a.status != http.StatusBadRequest || a.code != "invalid_argument" || len(a.violations) != 1 {
			t.Errorf("%s: %d %s %q %v, want 400 invalid_argument with one violation", tc.name, a.status, a.code, a.msg, a.violations)
			continue
		}
		if v := a.violations[0]; v.GetField() != tc.field || !strings.Contains(v.GetDescription(), tc.text) {
			t.Errorf("%s: violation %q: %q, want %q: %q", tc.name, v.GetField(), v.GetDescription(), tc.field, tc.text)
		}
		for _, echoed := range []string{secret, "+46701234567", "NATIVF", strings.Repeat("x", 65)} {
			if strings.Contains(a.raw, echoed) {
				t.Errorf("%s: the answer echoes %q: %s", tc.name, echoed, a.raw)
			}
		}
	}
	list, err := admin.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Msg.GetVolunteers()); n != 0 {
		t.Fatalf("%d volunteers stored by refused requests", n)
	}
	// Every field in its place: stored, with the e-mail.
	a := postJSON(t, e, admin.token, create, volunteer("", `"email":"`+secret+`"`, "LANGUAGE_LEVEL_NATIVE"))
	if a.status != http.StatusOK {
		t.Fatalf("the same volunteer with contact.email: %d %s", a.status, a.raw)
	}
	list, err = admin.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{}))
	if err != nil || len(list.Msg.GetVolunteers()) != 1 {
		t.Fatalf("after the good create: %v, %d volunteers, want 1", err, len(list.Msg.GetVolunteers()))
	}
	got, err := admin.registry.GetVolunteer(ctx, connect.NewRequest(&gatewayv1.GetVolunteerRequest{Id: list.Msg.GetVolunteers()[0].GetId()}))
	if err != nil || got.Msg.GetVolunteer().GetVolunteer().GetContact().GetEmail() != secret {
		t.Errorf("stored volunteer: %v, e-mail %q, want %q", err, got.Msg.GetVolunteer().GetVolunteer().GetContact().GetEmail(), secret)
	}
}

// TestOutOfRangeEnumNumberRefused: an enum number past int32, which
// protojson refuses in its own words ("invalid value for enum field
// order:"), is InvalidArgument with the field violation an unknown enum
// name gets, naming the field and not echoing the number. An in-range
// number is the service's to judge, as before.
func TestOutOfRangeEnumNumberRefused(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	list := gatewayv1connect.MatchingServiceListPairsProcedure
	for _, n := range []string{"2147483648", "-2147483649", "1e10"} {
		a := postJSON(t, e, admin.token, list, `{"order":`+n+`}`)
		if a.status != http.StatusBadRequest || a.code != "invalid_argument" || len(a.violations) != 1 {
			t.Errorf("order %s: %d %s %q %v, want 400 invalid_argument with one violation", n, a.status, a.code, a.msg, a.violations)
			continue
		}
		if v := a.violations[0]; v.GetField() != "order" || !strings.Contains(v.GetDescription(), "is not a value this field has") {
			t.Errorf("order %s: violation %q: %q, want order: is not a value this field has", n, v.GetField(), v.GetDescription())
		}
		if strings.Contains(a.raw, "invalid value for enum") || strings.Contains(a.raw, strings.TrimPrefix(n, "-")) {
			t.Errorf("order %s: the answer is the decoder's or echoes the number: %s", n, a.raw)
		}
	}
	if a := postJSON(t, e, admin.token, list, `{"order":1}`); a.status != http.StatusOK {
		t.Errorf("order 1 (score, highest first): %d %s, want 200", a.status, a.raw)
	}
}

// TestManyUnknownJSONFields: 10,000 unknown fields are one bounded answer:
// the first 50 listed, the message counting all 10,000; a call after it
// works.
func TestManyUnknownJSONFields(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	var b strings.Builder
	b.WriteString(`{"pageSize":5`)
	for i := range 10_000 {
		fmt.Fprintf(&b, `,"f%d":"value %d"`, i, i)
	}
	b.WriteString("}")
	a := postJSON(t, e, admin.token, gatewayv1connect.RegistryServiceListParticipantsProcedure, b.String())
	if a.status != http.StatusBadRequest || a.code != "invalid_argument" || len(a.violations) != 50 {
		t.Fatalf("10,000 unknown fields: %d %s %q, %d violations; want 400 invalid_argument with 50", a.status, a.code, a.msg, len(a.violations))
	}
	if !strings.Contains(a.msg, "10000 problems, the first 50 listed") || a.violations[0].GetField() != "f0" || a.violations[49].GetField() != "f49" {
		t.Errorf("message %q, first %q, last %q; want the count and f0..f49", a.msg, a.violations[0].GetField(), a.violations[49].GetField())
	}
	t.Logf("10,000 unknown fields: a %d-byte answer", len(a.raw))
	if len(a.raw) > 16<<10 {
		t.Errorf("the answer is %d bytes, want at most 16 KiB", len(a.raw))
	}
	if strings.Contains(a.raw, "value ") {
		t.Errorf("the answer echoes values: %.300s", a.raw)
	}
	if a := postJSON(t, e, admin.token, gatewayv1connect.RegistryServiceListParticipantsProcedure, `{"pageSize":5}`); a.status != http.StatusOK {
		t.Errorf("a call after the refusal: %d %s", a.status, a.raw)
	}
}

// TestUnknownFieldsOtherClients: mp's client (Connect with protojson,
// generated from the schema) and a binary client are unaffected: binary
// protobuf still ignores fields it does not know, as protobuf evolves.
// A server stream refuses unknown JSON fields too.
func TestUnknownFieldsOtherClients(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	v := &volunteersv1.Volunteer{OrganisationId: org, MunicipalityCode: "0880", GivenName: "Sigrid", FamilyName: "Lind",
		HouseholdSize: 1, BirthYear: 1980, Contact: &typev1.Contact{Email: "s@example.org"},
		Languages: []*typev1.LanguageSkill{{Code: "sv", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}}
	mpClient := gatewayv1connect.NewRegistryServiceClient(&http.Client{Timeout: 30 * time.Second}, e.base, connect.WithProtoJSON(),
		connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				req.Header().Set("Authorization", "Bearer "+admin.token)
				return next(ctx, req)
			}
		})))
	if _, err := mpClient.CreateVolunteer(ctx, connect.NewRequest(&gatewayv1.CreateVolunteerRequest{RequestId: "mp-1", Volunteer: v})); err != nil {
		t.Fatalf("CreateVolunteer as mp sends it (protojson): %v", err)
	}
	// Binary protobuf with a field of a newer schema (number 99).
	body, err := proto.Marshal(&gatewayv1.CreateVolunteerRequest{RequestId: "bin-1", Volunteer: v})
	if err != nil {
		t.Fatal(err)
	}
	body = protowire.AppendTag(body, 99, protowire.BytesType)
	body = protowire.AppendString(body, "newer")
	code, ccode, msg := rawCall(t, e, gatewayv1connect.RegistryServiceCreateVolunteerProcedure, body,
		map[string]string{"Content-Type": "application/proto", "Authorization": "Bearer " + admin.token})
	if code != http.StatusOK {
		t.Errorf("binary request with an unknown field: %d %s %q, want 200", code, ccode, msg)
	}
	list, err := admin.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{}))
	if err != nil || len(list.Msg.GetVolunteers()) != 2 {
		t.Fatalf("%v, %d volunteers; want the two creates stored", err, len(list.Msg.GetVolunteers()))
	}
	// A server stream (WatchGuideJob) in the Connect streaming protocol.
	msgJSON := []byte(`{"id":"0190f0b0-0000-7000-8000-000000000000","follow":true}`)
	frame := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msgJSON)))
	req, _ := http.NewRequest(http.MethodPost, e.base+gatewayv1connect.GuidesServiceWatchGuideJobProcedure, bytes.NewReader(append(frame, msgJSON...)))
	req.Header.Set("Content-Type", "application/connect+json")
	req.Header.Set("Authorization", "Bearer "+admin.token)
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if len(raw) < 5 {
		t.Fatalf("stream answer %q", raw)
	}
	var end struct {
		Error json.RawMessage
	}
	_ = json.Unmarshal(raw[5:], &end)
	ccode, _, vs := connectError(t, end.Error)
	if ccode != "invalid_argument" || len(vs) != 1 || vs[0].GetField() != "follow" {
		t.Errorf("stream with an unknown field: %s %v, want invalid_argument naming follow (%s)", ccode, vs, raw)
	}
}
