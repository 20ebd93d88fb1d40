package api

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// TestUnknownInJSON: the walk names unknown keys and enum names by their
// path, accepts JSON and proto names as protojson does, skips values
// (also well-known types and deep nesting) without looking into them, and
// refuses what is not JSON of the request's shape.
func TestUnknownInJSON(t *testing.T) {
	t.Parallel()
	md := (&gatewayv1.CreateParticipantRequest{}).ProtoReflect().Descriptor()
	deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	tests := []struct {
		name, in string
		want     []string // violated fields; nil: none
		bad      bool     // not JSON of the shape
	}{
		{"known, both spellings", `{"request_id":"r","participant":{"givenName":"A","municipality_code":"0880"}}`, nil, false},
		{"unknown top", `{"email":"x","participant":null}`, []string{"email"}, false},
		{"unknown nested", `{"participant":{"household":{"sise":3}}}`, []string{"participant.household.sise"}, false},
		{"list entry", `{"participant":{"languages":[{"code":"ar"},{"code":"so","levl":"LANGUAGE_LEVEL_NATIVE"}]}}`, []string{"participant.languages[1].levl"}, false},
		{"enum name", `{"participant":{"swedishLevel":"SWEDISH_LEVEL_SFI_Q","languages":[{"level":"LANGUAGE_LEVEL_NATIVE"},{"level":"NATIVE"}]}}`,
			[]string{"participant.swedish_level", "participant.languages[1].level"}, false},
		{"enum number", `{"participant":{"swedishLevel":2}}`, nil, false},
		{"enum number past int32", `{"participant":{"swedishLevel":2147483648,"languages":[{"level":1},{"level":-2147483649}]}}`,
			[]string{"participant.swedish_level", "participant.languages[1].level"}, false},
		{"int32 past its range, in a string, a fraction, not a number", `{"participant":{"birthYear":2147483648,"household":{"size":"1e10","memberAges":[1,"2",3.5,true]}}}`,
			[]string{"participant.birth_year", "participant.household.size", "participant.household.member_ages[2]", "participant.household.member_ages[3]"}, false},
		{"int32 forms protojson takes", `{"participant":{"birthYear":"1990","household":{"size":2.0,"memberAges":[1e1]}}}`, nil, false},
		{"int32 forms protojson refuses", `{"participant":{"birthYear":" 1990"}}`, []string{"participant.birth_year"}, false},
		{"duplicate field, by both names", `{"requestId":"a","request_id":"b"}`, []string{"request_id"}, false},
		{"duplicate nested", `{"participant":{"givenName":"A","givenName":"B"}}`, []string{"participant.given_name"}, false},
		{"well-known type", `{"participant":{"createTime":"2026-01-01T00:00:00Z"}}`, nil, false},
		{"deep value of an unknown key", `{"x":` + deep + `}`, []string{"x"}, false},
		{"control characters", "{\"a\\u0000b\":1}", []string{"a?b"}, false},
		{"not an object", `[1]`, nil, true},
		{"trailing", `{} {}`, nil, true},
		{"cut short", `{"participant":{"givenName":"A"`, nil, true},
	}
	for _, tt := range tests {
		v, err := unknownInJSON([]byte(tt.in), md)
		if (err != nil) != tt.bad {
			t.Errorf("%s: err %v, want bad=%v", tt.name, err, tt.bad)
			continue
		}
		if err != nil {
			continue
		}
		var got []string
		if e := v.Err(); e != nil {
			for _, fv := range apperr.Violations(e) {
				got = append(got, fv.Field)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: violations %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestSafeName: an echoed name is printable and at most maxNameBytes
// (then "..."), cut between runes.
func TestSafeName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"email", "email"},
		{"", `""`},
		{strings.Repeat("ö", 40), strings.Repeat("ö", 32) + "..."},
		{strings.Repeat("x", 64), strings.Repeat("x", 64)},
		{strings.Repeat("x", 65), strings.Repeat("x", 64) + "..."},
		{"a\nb\xff", "a?b?"},
	} {
		if got := safeName(tt.in); got != tt.want {
			t.Errorf("safeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGuideJSONCallsDecode: every curl call in the gateway's guide sends a
// body the JSON codec accepts as written (no unknown names), so the
// guide's examples keep working now that unknown names are refused.
func TestGuideJSONCallsDecode(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`/motesplats\.gateway\.v1\.(\w+)/(\w+)(?:[^\n]|\\\n)*?-d '(\{[^']*\})'`).FindAllSubmatch(b, -1)
	if len(calls) < 3 {
		t.Fatalf("found %d curl calls with a body in the guide, want the three it shows", len(calls))
	}
	for _, c := range calls {
		svc, method, body := string(c[1]), string(c[2]), c[3]
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName("motesplats.gateway.v1." + svc))
		if err != nil {
			t.Fatalf("%s: %v", svc, err)
		}
		md := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(method))
		if md == nil {
			t.Fatalf("%s/%s: no such method", svc, method)
		}
		mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
		if err != nil {
			t.Fatal(err)
		}
		m := mt.New().Interface()
		if err := (jsonCodec{"json"}).Unmarshal(body, m); err != nil || refusal(m) != nil {
			t.Errorf("%s/%s %s: %v %v", svc, method, body, err, refusal(m))
		}
	}
}

// TestDecodeErrorsEchoNoValue: when a JSON body does not decode, the error
// says where and why, without the value the caller sent: a field's
// violation where one can be named (ADR 0154), else the decoder's words.
func TestDecodeErrorsEchoNoValue(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{`{"volunteer":{"givenName":["Sigrid Lind"]}}`, "volunteer.given_name: " + textText},
		{`{"volunteer":{"createTime":"Sigrid Lind"}}`, "volunteer.create_time: " + timestampText},
		{`{"volunteer":{"contact":{"email":"Sigrid Lind","phone":{"n":"Sigrid"}}}}`, "volunteer.contact.phone: " + textText},
		{`{"volunteer":"Sigrid Lind"}`, "volunteer: " + objectText},
		{`Sigrid Lind`, ": the body is not this method's request in JSON: syntax error (line 1:1): invalid value; send one JSON object"},
		{`{"volunteer":{"givenName":"Sigrid Lind",}}`, ": the body is not this method's request in JSON: syntax error (line 1:41): unexpected token"},
	} {
		m := &gatewayv1.CreateVolunteerRequest{}
		err := (jsonCodec{"json"}).Unmarshal([]byte(tt.in), m)
		if err == nil {
			err = refusal(m)
		}
		got := ""
		if err != nil {
			got = err.Error() + "\n" + errText(err)
		}
		if !strings.Contains(got, tt.want) || strings.Contains(got, "Sigrid") {
			t.Errorf("%s: %q, want %q and no value", tt.in, got, tt.want)
		}
	}
}

// TestBodyThatDoesNotDecodeIsAViolation: a body that is not JSON at all,
// an empty one, or bytes that are no protobuf message is refused with one
// violation about the whole body (field ""), as every other refusal is,
// and the message is left empty for the service never to see.
func TestBodyThatDoesNotDecodeIsAViolation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		c    interface {
			Unmarshal([]byte, any) error
		}
		in, want string
	}{
		{"array", jsonCodec{"json"}, `[]`, "the body is not this method's request in JSON"},
		{"null", jsonCodec{"json"}, `null`, "the body is not this method's request in JSON"},
		{"nul byte", jsonCodec{"json"}, "{\x00}", "the body is not this method's request in JSON"},
		{"empty", jsonCodec{"json"}, ``, "the body is empty; send one JSON object"},
		{"truncated protobuf", protoCodec{}, "\x0a\x05ab", "the body is not this method's request in protobuf"},
	} {
		m := &gatewayv1.CreateVolunteerRequest{}
		if err := tt.c.Unmarshal([]byte(tt.in), m); err != nil {
			t.Errorf("%s: the codec answered %v itself, want the refusal left for the interceptor", tt.name, err)
			continue
		}
		err := refusal(m)
		if apperr.ErrorCode(err) != apperr.Invalid {
			t.Errorf("%s: %v, want Invalid", tt.name, err)
			continue
		}
		vs := apperr.Violations(err)
		if len(vs) != 1 || vs[0].Field != "" || !strings.Contains(vs[0].Description, tt.want) {
			t.Errorf("%s: violations %+v, want one about the body saying %q", tt.name, vs, tt.want)
		}
		if m.GetVolunteer() != nil {
			t.Errorf("%s: the refused message kept a volunteer", tt.name)
		}
	}
}

// TestEnumNumberAsProtojson: the walk takes an enum number exactly when
// protojson does, so a number protojson refuses ("invalid value for enum
// field order") is named as a field violation, and one it takes is left
// to the service.
func TestEnumNumberAsProtojson(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"0", "7", "2147483647", "-2147483648", "1.0", "1e2", "2147483648", "-2147483649", "1.5", "1e10"} {
		err := protojson.Unmarshal([]byte(`{"participant":{"swedishLevel":`+n+`}}`), &gatewayv1.CreateParticipantRequest{})
		if got, want := enumNumber(json.Number(n)), err == nil; got != want {
			t.Errorf("enumNumber(%s) = %v; protojson's error: %v", n, got, err)
		}
	}
}

// TestValuesAsProtojson: the walk names an integer field's value, a field
// mask and a field given twice exactly when protojson refuses them (ADR
// 0135), so protojson's English ("invalid value for int32 field",
// "duplicate field", "contains invalid path") never reaches a caller
// where a field can be named, and a body protojson takes is never refused.
func TestValuesAsProtojson(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		msg  proto.Message
		body string
	}{
		{&gatewayv1.ListPairsRequest{}, `{"pageSize":%s}`},
		{&gatewayv1.CreateParticipantRequest{}, `{"participant":{"household":{"memberAges":[%s]}}}`},
		{&gatewayv1.UpdateUserRequest{}, `{"user":{"id":"u"},"updateMask":%s}`},
	} {
		for _, v := range []string{"0", "7", "-1", "2147483647", "-2147483648", "2147483648", "-2147483649", "1.0", "1e2", "1.5", "1e10", "1e400",
			"1e-400", `"12"`, `"-3"`, `" 12"`, `"12 "`, `"1e2"`, `"x"`, `""`, "true", "null", "[1]", `{"a":1}`,
			`"displayName"`, `"displayName,email"`, `"display_name"`, `"user.displayName"`, `"a..b"`, `"1a"`, `" displayName "`, `","`} {
			body := strings.Replace(tt.body, "%s", v, 1)
			m := tt.msg.ProtoReflect().New().Interface()
			perr := protojson.Unmarshal([]byte(body), m)
			w, err := unknownInJSON([]byte(body), tt.msg.ProtoReflect().Descriptor())
			if perr == nil {
				if err != nil || !w.Valid() {
					t.Errorf("%s: protojson takes it, the walk refuses it: %v %v", body, err, w.Err())
				}
				continue
			}
			// A body protojson refuses is a field violation, or (for a
			// shape no field can hold) protojson's own words.
			if err == nil && w.Valid() && !strings.ContainsAny(v, "[{") {
				t.Errorf("%s: protojson refuses it (%v), the walk names no field", body, perr)
			}
		}
	}
	for _, body := range []string{`{"pageSize":1,"pageSize":1}`, `{"page_size":1,"pageSize":2}`} {
		w, err := unknownInJSON([]byte(body), (&gatewayv1.ListPairsRequest{}).ProtoReflect().Descriptor())
		if perr := protojson.Unmarshal([]byte(body), &gatewayv1.ListPairsRequest{}); perr == nil || err != nil || w.Valid() {
			t.Errorf("%s: protojson %v, walk %v %v; want both refusing", body, perr, err, w.Err())
		}
	}
}

// TestValueWordsInSwedish: each description of a refused value has its
// Swedish words in the catalogue the web app and mp read.
func TestValueWordsInSwedish(t *testing.T) {
	t.Parallel()
	for _, s := range []string{int32Text, uint32Text, int64Text, uint64Text, duplicateText, duplicateKeyText, oneofText, fieldMaskText, halfCharText,
		notUTF8Text, textText, boolText, objectText, listText, mapText, timestampText} {
		if got := catalog.ViolationText("sv", s); got == s || got == "" {
			t.Errorf("%q has no Swedish words: %q", s, got)
		}
	}
}

// TestHalfCharacterNamed: a string holding a \u escape of a lone UTF-16
// surrogate was answered with protojson's "unexpected EOF", as if the
// body were cut off. The walk now names the field exactly when
// protojson refuses the escape, and a whole pair is taken.
func TestHalfCharacterNamed(t *testing.T) {
	t.Parallel()
	md := (&gatewayv1.CreateParticipantRequest{}).ProtoReflect().Descriptor()
	for _, tt := range []struct {
		value string
		field string // "" when protojson takes the value
	}{
		{`\ud800`, "participant.given_name"},
		{`Sigrid \udc00`, "participant.given_name"},
		{`\ud83d\ude00`, ""}, // a whole pair: an emoji
		{`\ud83d\u0041`, "participant.given_name"},
		{`\\ud800`, ""}, // an escaped backslash, then text
		{`\u00e5sa`, ""},
		{`\ud83d`, "participant.given_name"},
	} {
		body := `{"participant":{"givenName":"` + tt.value + `"}}`
		perr := protojson.Unmarshal([]byte(body), &gatewayv1.CreateParticipantRequest{})
		w, err := unknownInJSON([]byte(body), md)
		if err != nil {
			t.Errorf("%s: walk: %v", tt.value, err)
			continue
		}
		if (perr == nil) != (tt.field == "") {
			t.Errorf("%s: protojson %v, want refused %v", tt.value, perr, tt.field != "")
		}
		var v []apperr.FieldViolation
		if e := w.Err(); e != nil {
			v = apperr.Violations(e)
		}
		switch {
		case tt.field == "" && len(v) != 0:
			t.Errorf("%s: refused %v, want taken", tt.value, v)
		case tt.field != "" && (len(v) != 1 || v[0].Field != tt.field || v[0].Description != halfCharText):
			t.Errorf("%s: violations %v, want %s: %q", tt.value, v, tt.field, halfCharText)
		}
	}
	// Through the codec, as a caller meets it: refused with the field
	// named, not the decoder's words.
	m := &gatewayv1.CreateParticipantRequest{}
	if err := (jsonCodec{"json"}).Unmarshal([]byte(`{"participant":{"givenName":"\ud800"}}`), m); err != nil || refusal(m) == nil {
		t.Errorf("codec: %v %v, want a refusal naming the field", err, refusal(m))
	}
}

// TestInvalidUTF8Named: bytes that are not UTF-8 in a string value or a
// key were answered with protojson's "syntax error (line 1:10): invalid
// UTF-8 in string" and no field; the walk names the field, exactly when
// protojson refuses (outside round s29).
func TestInvalidUTF8Named(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		body  string
		field string // "" when protojson takes the body
	}{
		{"{\"jobId\":\"\xff\xfe\"}", "job_id"},
		{"{\"jobId\":\"j-1\",\"pageToken\":\"a\xc3\"}", "page_token"},
		{"{\"job\xffId\":\"j-1\"}", "job?Id"}, // safeName: no byte of the key comes back
		{"{\"jobId\":\"\xc3\xa5sa\"}", ""},    // "åsa", whole characters
	} {
		perr := protojson.Unmarshal([]byte(tt.body), &gatewayv1.ListGuideUnassignedRequest{})
		if (perr == nil) != (tt.field == "") {
			t.Errorf("%q: protojson %v, want refused %v", tt.body, perr, tt.field != "")
		}
		m := &gatewayv1.ListGuideUnassignedRequest{}
		err := (jsonCodec{"json"}).Unmarshal([]byte(tt.body), m)
		if tt.field == "" {
			if err != nil || refusal(m) != nil {
				t.Errorf("%q: %v %v, want taken", tt.body, err, refusal(m))
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: the codec's own error %v, want a refusal naming %s", tt.body, err, tt.field)
			continue
		}
		v := apperr.Violations(refusal(m))
		if len(v) != 1 || v[0].Field != tt.field || v[0].Description != notUTF8Text {
			t.Errorf("%q: violations %v, want %s: %q", tt.body, v, tt.field, notUTF8Text)
		}
	}
}
