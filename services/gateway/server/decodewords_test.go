package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// TestDecoderRefusalsInWords: over Connect JSON, an int32 past its range,
// a field given twice and an update mask path written as the JSON API
// does not read it were refused with protojson's English ("invalid value
// for int32 field pageSize: 2147483648", "duplicate field", "contains
// invalid path"; ADR 0131 "Left"). Each is now InvalidArgument with one
// field violation naming the field in the API's words (English, ADR
// 0118), which the web app and mp show in Swedish, and no decoder text
// or value sent.
func TestDecoderRefusalsInWords(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	pairs := gatewayv1connect.MatchingServiceListPairsProcedure
	update := gatewayv1connect.UserServiceUpdateUserProcedure
	for _, tc := range []struct {
		name, procedure, body, field, desc, sv, decoder, value string
	}{
		{"int32 past its range", pairs, `{"pageSize":3000000000}`, "page_size",
			"must be a whole number from -2147483648 to 2147483647", "måste vara ett heltal", "invalid value for int32", "3000000000"},
		{"int32 in a string", pairs, `{"pageSize":"-5000000000"}`, "page_size",
			"must be a whole number from -2147483648 to 2147483647", "måste vara ett heltal", "invalid value for int32", "5000000000"},
		{"a field twice", pairs, `{"pageSize":5,"page_size":7}`, "page_size",
			"is given more than once", "förekommer mer än en gång", "duplicate field", ""},
		{"a mask path in snake case", update, `{"user":{"id":"u1","displayName":"Sigrid"},"updateMask":"display_name"}`, "update_mask",
			"must list field names in lowerCamelCase", "måste ange fältnamn i lowerCamelCase", "invalid path", "display_name"},
	} {
		a := postJSON(t, e, admin.token, tc.procedure, tc.body)
		if a.status != http.StatusBadRequest || a.code != "invalid_argument" || len(a.violations) != 1 {
			t.Errorf("%s: %d %s %q %v, want 400 invalid_argument with one violation", tc.name, a.status, a.code, a.msg, a.violations)
			continue
		}
		v := a.violations[0]
		if v.GetField() != tc.field || !strings.Contains(v.GetDescription(), tc.desc) {
			t.Errorf("%s: violation %s: %q, want %s: %q", tc.name, v.GetField(), v.GetDescription(), tc.field, tc.desc)
		}
		if sv := catalog.ViolationText("sv", v.GetDescription()); !strings.Contains(sv, tc.sv) {
			t.Errorf("%s: in Swedish %q, want %q", tc.name, sv, tc.sv)
		}
		if strings.Contains(a.raw, tc.decoder) || strings.Contains(a.raw, "Sigrid") || (tc.value != "" && strings.Contains(a.raw, tc.value)) {
			t.Errorf("%s: the answer is the decoder's or echoes the value: %s", tc.name, a.raw)
		}
	}
	// What protojson takes still works: the number in range, in a string.
	if a := postJSON(t, e, admin.token, pairs, `{"pageSize":"5"}`); a.status != http.StatusOK {
		t.Errorf(`pageSize "5": %d %s, want 200`, a.status, a.raw)
	}
}
