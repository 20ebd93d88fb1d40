package server_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

// newcomer registers a participant with mentoring consent through c.
func newcomer(t testing.TB, c *apiClient, org, muni, given string) string {
	t.Helper()
	res, err := c.registry.CreateParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: "Hassan",
		Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 1}, Interests: []string{"cooking"},
		Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
	}}))
	if err != nil {
		t.Fatalf("create newcomer: %v", err)
	}
	return res.Msg.GetParticipant().GetId()
}

// foreign is what coordinator A must never see: records of organisation B,
// and records of organisation A in a municipality that is not A's.
type foreign struct {
	ids   []string // every id of a record coordinator A must not reach
	names []string // names on those records
	job   string
}

// TestAccessSweep tries every API method and every web route as a
// coordinator of organisation A in municipality 0880 against records of
// organisation B and of A's other municipality. Methods and routes are
// enumerated from the service descriptors and the web route table, so a
// new endpoint is swept without changing this test.
func TestAccessSweep(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	orgA := e.createOrg("A-förening", "0880", "0180")
	orgB := e.createOrg("B-förening", "0880")
	coordA := e.coordinator(admin, "a@example.org", orgA, "0880")
	newcomer(t, coordA, orgA, "0880", "Own")

	var f foreign
	f.ids = append(f.ids, newcomer(t, admin, orgB, "0880", "Bertil"), newcomer(t, admin, orgA, "0180", "Beata"),
		mentor(t, admin, orgB, "0880", "Birger"), mentor(t, admin, orgA, "0180", "Britta"))
	f.names = []string{"Bertil", "Beata", "Birger", "Britta"}
	// A proposal of organisation B, from a job the admin runs.
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		res, err := admin.matching.StartMatchingJob(ctx, connect.NewRequest(&gatewayv1.StartMatchingJobRequest{
			RequestId: fmt.Sprintf("sweep-%d", time.Now().UnixNano()), OrganisationId: orgB, MunicipalityCodes: []string{"0880"}}))
		if err != nil {
			return err
		}
		f.job = res.Msg.GetJob().GetId()
		testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
			j, err := admin.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: f.job}))
			if err != nil {
				return err
			}
			if s := j.Msg.GetJob().GetState(); s != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
				return fmt.Errorf("job %v", s)
			}
			return nil
		})
		ps, err := admin.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: f.job}))
		if err != nil {
			return err
		}
		if len(ps.Msg.GetPairs()) == 0 {
			return fmt.Errorf("no proposal for B yet")
		}
		f.ids = append(f.ids, ps.Msg.GetPairs()[0].GetPair().GetId())
		return nil
	})
	f.ids = append(f.ids, f.job)
	adminUser, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	f.ids = append(f.ids, adminUser.Msg.GetUser().GetId())

	t.Run("api", func(t *testing.T) { sweepAPI(t, e, coordA.token, orgB, f) })
	t.Run("web", func(t *testing.T) { sweepWeb(t, e, f) })
}

// gatewayMethod is one method of a gateway API service.
type gatewayMethod struct {
	sd protoreflect.ServiceDescriptor
	md protoreflect.MethodDescriptor
}

// gatewayMethods lists every method of every gateway API service from the
// registered descriptors, so the sweeps reach an RPC added later without
// being changed. Each sweep checks that it found enough of them.
func gatewayMethods() []gatewayMethod {
	var out []gatewayMethod
	protoregistry.GlobalFiles.RangeFilesByPackage("motesplats.gateway.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			for j := range sd.Methods().Len() {
				out = append(out, gatewayMethod{sd, sd.Methods().Get(j)})
			}
		}
		return true
	})
	return out
}

// adminOnly are the API services a coordinator is refused outright
// (PermissionDenied), whatever the record.
var adminOnly = map[string]bool{"motesplats.gateway.v1.AuditService": true, "motesplats.gateway.v1.UserService": true,
	"motesplats.gateway.v1.OpsService": true} // operators and admins (ADR 0059)

func sweepAPI(t *testing.T, e *env, token, orgB string, f foreign) {
	n, targeted, answered := 0, map[string]bool{}, map[string]bool{}
	for _, m := range gatewayMethods() {
		sd, md := m.sd, m.md
		if md.Name() == "CreateApiToken" {
			continue // sign-in: no record
		}
		n++
		in := md.Input().Fields()
		// The record a method acts on is named by a top-level id,
		// or, in an update, by the id of the record message it
		// carries (UpdateParticipant{participant{id}}).
		target := func(req map[string]any, id string) { req["id"] = id }
		hasTarget := in.ByName("id") != nil
		if !hasTarget && !strings.HasPrefix(string(md.Name()), "Create") {
			for k := range in.Len() {
				fdk := in.Get(k)
				if fdk.Kind() == protoreflect.MessageKind && !fdk.IsList() && fdk.Message().Fields().ByName("id") != nil {
					name, rec := fdk.JSONName(), fdk.Message()
					target = func(req map[string]any, id string) {
						req[name] = fieldsOf(rec, map[string]any{"id": id, "givenName": "Intruder", "municipalityCode": "0880", "displayName": "Intruder"})
					}
					hasTarget = true
				}
			}
		}
		if hasTarget {
			targeted[string(md.Name())] = true
			for _, id := range f.ids {
				req := validFill(in)
				target(req, id)
				code, body := connectCall(t, e, token, sd, md, req)
				want := "not_found"
				if adminOnly[string(sd.FullName())] {
					want = "permission_denied"
				}
				if code != want {
					t.Errorf("%s/%s(%s): %s %s, want %s", sd.Name(), md.Name(), id, code, trim(body), want)
				}
			}
			continue
		}
		// No id: a list, a search or a create. Point every record
		// field at organisation B and check nothing of B comes back.
		req := map[string]any{}
		for k := range in.Len() {
			fdk := in.Get(k)
			if fdk.Kind() == protoreflect.MessageKind && !fdk.IsList() && fdk.Message().Fields().ByName("organisation_id") != nil {
				req[fdk.JSONName()] = fieldsOf(fdk.Message(), map[string]any{"organisationId": orgB, "municipalityCode": "0880", "givenName": "Intruder"})
			}
			if fdk.Name() == "organisation_id" {
				req[fdk.JSONName()] = orgB
			}
			if fdk.Name() == "job_id" {
				req[fdk.JSONName()] = f.job
			}
		}
		code, body := connectCall(t, e, token, sd, md, req)
		if code == "ok" {
			answered[string(md.Name())] = true
			for _, s := range append(f.ids, f.names...) {
				if strings.Contains(body, s) {
					t.Errorf("%s/%s leaked %q: %s", sd.Name(), md.Name(), s, trim(body))
				}
			}
			if strings.Contains(body, orgB) {
				t.Errorf("%s/%s created or showed a record of organisation B: %s", sd.Name(), md.Name(), trim(body))
			}
		}
	}
	if n < 20 {
		t.Fatalf("swept only %d methods: the descriptors were not found", n)
	}
	for _, m := range []string{"UpdateParticipant", "UpdateVolunteer", "UpdateUser", "EraseParticipant", "RecordConsent", "DeleteVolunteer"} {
		if !targeted[m] {
			t.Errorf("%s was not tried with foreign record ids", m)
		}
	}
	// Lists of people whose leak check above must not pass because the
	// call failed: Beata (A's, in 0180) and Bertil (B's) wait for a mentor
	// and would be on a list that ignored the scope (ADR 0172).
	for _, m := range []string{"ListParticipants", "ListWaitingNewcomers"} {
		if !answered[m] {
			t.Errorf("%s did not answer the coordinator, so the sweep saw nothing it could leak", m)
		}
	}
}

// validFill sets the fields besides id that a method validates before it
// looks the record up, so the sweep reaches the scope check: enums get
// their first value, a check-in a valid one, ids a well-formed id.
func validFill(in protoreflect.FieldDescriptors) map[string]any {
	req := map[string]any{}
	for k := range in.Len() {
		fd := in.Get(k)
		switch {
		case fd.Kind() == protoreflect.EnumKind && !fd.IsList():
			req[fd.JSONName()] = 1
		case fd.Name() == "consent":
			req[fd.JSONName()] = map[string]any{"purpose": "CONSENT_PURPOSE_MENTORING", "textVersion": "2026-01", "language": "sv"}
		case fd.Name() == "feedback":
			req[fd.JSONName()] = map[string]any{"rating": 3}
		case fd.Name() == "attendance" && fd.IsList():
			req[fd.JSONName()] = []any{map[string]any{"member": 0, "attendance": "ATTENDANCE_CAME"}}
		case fd.Name() == "check_in":
			req[fd.JSONName()] = map[string]any{"date": calendar.Today(time.Now()), "met": true, "rating": "CHECK_IN_RATING_GOOD"}
		case fd.Kind() == protoreflect.StringKind && strings.HasSuffix(string(fd.Name()), "_id"):
			req[fd.JSONName()] = "01a20989-0000-7000-8000-000000000000"
		}
	}
	return req
}

// connectCall calls a method with the Connect protocol's JSON encoding and
// returns "ok" or the error code, and the body.
func connectCall(t *testing.T, e *env, token string, sd protoreflect.ServiceDescriptor, md protoreflect.MethodDescriptor, req map[string]any) (string, string) {
	t.Helper()
	b, _ := json.Marshal(req)
	if md.IsStreamingServer() {
		return connectStream(t, e, token, sd, md, b)
	}
	hr, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/%s/%s", e.base, sd.FullName(), md.Name()), bytes.NewReader(b))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		return "ok", string(body)
	}
	var ce struct{ Code string }
	_ = json.Unmarshal(body, &ce)
	return ce.Code, string(body)
}

// queryVariants are the query parameters the web pages read, pointed at
// records coordinator A must not see: B's job, A's other municipality and
// B's municipality, a foreign record id.
func queryVariants(f foreign) []url.Values {
	return []url.Values{
		{},
		{"job": {f.job}},
		{"municipality_code": {"0180"}},
		{"municipality_code": {"0880"}},
		{"user_id": {f.ids[len(f.ids)-1]}, "resource_id": {f.ids[0]}},
		{"created": {"1"}, "done": {"erased"}},
		// Session 47's filters and periods (ADR 0265, 0261), swept since
		// sweep48 (ADR 0267): the pairs ended lately or to follow up, of
		// B's job; a report's months; the audit search's window.
		{"ended": {"1"}, "job": {f.job}},
		{"follow_up": {"1"}, "ended": {"1"}, "job": {f.job}},
		{"from_month": {"2000-01"}, "to_month": {"2009-12"}, "format": {"machine"}},
		{"from": {"2000-01-01T00:00"}, "to": {"2099-12-31T00:00"}, "resource_id": {f.ids[0]}},
	}
}

func sweepWeb(t *testing.T, e *env, f foreign) {
	b := e.browser()
	b.signIn("a@example.org", password)
	routes := (&web.Web{}).Routes()
	leaks := func(what string, code int, body string) {
		t.Helper()
		for _, s := range append(f.ids, f.names...) {
			if strings.Contains(body, s) && !strings.Contains(what, s) {
				t.Errorf("%s (%d) leaked %q", what, code, s)
			}
		}
	}
	// A form as full as the app's own, so a handler that checks scope
	// only after validating still meets the record.
	filled := url.Values{"given_name": {"Intruder"}, "family_name": {"X"}, "municipality_code": {"0880"}, "household_size": {"1"},
		"mentor": {"1"}, "mentor_capacity": {"1"}, "consent_mentoring": {"1"}, "confirm": {"yes"}, "reason": {"REJECT_REASON_POOR_FIT"}}
	n := 0
	for _, rt := range routes {
		if rt.Public {
			continue
		}
		if !strings.Contains(rt.Pattern, "{id}") {
			if rt.Method != http.MethodGet {
				continue // creates are swept through the API above
			}
			for _, q := range queryVariants(f) {
				path := strings.ReplaceAll(rt.Pattern, "{$}", "")
				if len(q) > 0 {
					path += "?" + q.Encode()
				}
				code, body := b.get(path)
				n++
				leaks("GET "+path, code, body)
			}
			continue
		}
		for _, id := range f.ids {
			for _, action := range []string{"approve", "reject", "disable", "enable"} {
				path := strings.NewReplacer("{id}", url.PathEscape(id), "{action}", action).Replace(rt.Pattern)
				forms := []url.Values{{}, filled}
				if rt.Method == http.MethodGet {
					forms = []url.Values{{}, {"created": {"1"}}}
				}
				for _, form := range forms {
					var code int
					var body string
					if rt.Method == http.MethodGet {
						code, body = b.get(path + "?" + form.Encode())
					} else {
						code, body = b.post(path, form)
					}
					n++
					want := http.StatusNotFound
					if strings.HasPrefix(rt.Pattern, "/admin/") {
						want = http.StatusForbidden
					}
					if code != want {
						t.Errorf("%s %s %v: %d, want %d: %s", rt.Method, path, form, code, want, trim(body))
					}
					leaks(rt.Method+" "+path, code, body)
				}
				if !strings.Contains(rt.Pattern, "{action}") {
					break
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("swept only %d web requests", n)
	}
}

// connectStream calls a server-streaming method with the Connect
// streaming protocol (enveloped JSON) and returns "ok" and the messages,
// or the error code of the end-of-stream message.
func connectStream(t *testing.T, e *env, token string, sd protoreflect.ServiceDescriptor, md protoreflect.MethodDescriptor, msg []byte) (string, string) {
	t.Helper()
	env := append([]byte{0, 0, 0, 0, 0}, msg...)
	binary.BigEndian.PutUint32(env[1:5], uint32(len(msg)))
	hr, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/%s/%s", e.base, sd.FullName(), md.Name()), bytes.NewReader(env))
	hr.Header.Set("Content-Type", "application/connect+json")
	hr.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		var ce struct{ Code string }
		_ = json.Unmarshal(body, &ce)
		return ce.Code, string(body)
	}
	var all []string
	for len(body) >= 5 {
		flags, n := body[0], int(binary.BigEndian.Uint32(body[1:5]))
		if len(body) < 5+n {
			break
		}
		part := body[5 : 5+n]
		body = body[5+n:]
		if flags&2 != 0 { // end of stream
			var end struct{ Error *struct{ Code string } }
			_ = json.Unmarshal(part, &end)
			if end.Error != nil {
				return end.Error.Code, string(part)
			}
			continue
		}
		all = append(all, string(part))
	}
	return "ok", strings.Join(all, "\n")
}

// fieldsOf keeps the entries of rec whose keys md has: the gateway refuses
// a JSON name its message does not define (ADR 0118), and the sweep is
// about access, not spelling.
func fieldsOf(md protoreflect.MessageDescriptor, rec map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range rec {
		if md.Fields().ByJSONName(k) != nil {
			out[k] = v
		}
	}
	return out
}
