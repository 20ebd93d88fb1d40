package api

import (
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// fuzzRequests are the requests FuzzJSONCodec decodes into: nested
// records, lists, enums, timestamps, masks and page sizes between them.
var fuzzRequests = []func() proto.Message{
	func() proto.Message { return &gatewayv1.CreateVolunteerRequest{} },
	func() proto.Message { return &gatewayv1.UpdateParticipantRequest{} },
	func() proto.Message { return &gatewayv1.ListPairsRequest{} },
	func() proto.Message { return &gatewayv1.RecordConsentRequest{} },
}

// decoderText is text of Go's or a library's that a refusal must not
// hold (the cut body's "unexpected EOF" was one, TestCutJSONInOwnWords).
var decoderText = regexp.MustCompile(`EOF|proto:|json:|%!|<nil>|panic|goroutine|\.go:\d|reflect|\*gatewayv1|\bstruct\b`)

// longValue is a JSON string value of 12 or more plain characters: a
// refusal must not send one back (ADR 0118), so no misplaced name or
// address travels in an error.
var longValue = regexp.MustCompile(`:\s*"([^"\\]{12,})"`)

// FuzzJSONCodec: the gateway's JSON codec reads a caller's body before
// any handler. For any bytes and any of fuzzRequests it returns nil
// (Connect would answer its error without field violations), and either
// decodes the body or leaves a refusal: InvalidArgument with field
// violations in the API's words (no decoder text), quoting none of the
// body's values.
func FuzzJSONCodec(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"volunteer":{"givenName":"Sigrid Lind","municipalityCode":"0180"}}`, `{"volunteer":{"givenName":"Sigrid Lind",}}`,
		`{"id":"01a2`, `{`, `[]`, `null`, "{\x00}", `{"pageSize":3000000000}`, `{"pageSize":5,"page_size":7}`,
		`{"participant":{"id":"p1","givenName":"A"},"updateMask":"given_name"}`, `{"participant":{"createTime":"Sigrid Lindqvist"}}`,
		`{"id":"\ud800"}`, `{"consent":{"purpose":"CONSENT_PURPOSE_NOPE"}}`, `{"volunteer":{"languages":[{"code":"ar","level":99}]}}`,
		`{"a":1}`, `"Sigrid Lindqvist"`, `{"jobId":"Sigrid Lindqvist","pageToken":{}}`,
	} {
		for i := range fuzzRequests {
			f.Add([]byte(s), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		m := fuzzRequests[int(which)%len(fuzzRequests)]()
		if err := (jsonCodec{"json"}).Unmarshal(body, m); err != nil {
			t.Fatalf("the codec answered %v itself", err)
		}
		err := refusal(m)
		if err == nil {
			return
		}
		text := errText(err)
		if text == "" {
			t.Fatalf("refused %q without a field violation: %v", body, err)
		}
		if w := decoderText.FindString(text); w != "" {
			t.Fatalf("the refusal of %q holds %q: %s", body, w, text)
		}
		for _, v := range longValue.FindAllSubmatch(body, -1) {
			if s := strings.TrimSpace(string(v[1])); len(s) >= 12 && strings.Contains(text, s) {
				t.Fatalf("the refusal of %q sends back %q: %s", body, s, text)
			}
		}
	})
}
