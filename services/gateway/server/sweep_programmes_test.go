package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

// programmeRecords are the records of the programmes added after the
// first sweep (dinners, guides, messages), each out of coordinator A's
// scope: another organisation's in A's municipality, or any
// organisation's in a municipality A does not serve.
type programmeRecords struct {
	ids   []string
	names []string
	jobs  []string
	// sameOrg signs in a coordinator of the organisation that holds the
	// guides and the second dinners records (0180), scoped to its other
	// municipality (0380): those records are as foreign to them.
	sameOrg string
	// org is organisation B, whose records these mostly are.
	org string
}

// plantProgrammes creates, as other coordinators: a mentoring pair with
// its messages (organisation B, 0880), a dinner offer, sign-up, job and
// seating (organisation B, 0880), and a guides job with its assignments
// (0180); and returns their ids, names and the ids of their jobs.
func plantProgrammes(t *testing.T, e *env) (admin *apiClient, orgB string, r programmeRecords) {
	t.Helper()
	ctx := testutil.Context(t)
	admin, coordB, _, pairID := approvedOffer(t, e, "ar")
	pair := pairOf(t, coordB, pairID).GetPair()
	r.ids = append(r.ids, pairID, pair.GetParticipantId(), pair.GetVolunteerId(), pair.GetJobId())
	r.names = append(r.names, "Amina", "Erik")
	r.jobs = append(r.jobs, pair.GetJobId())
	orgB = pair.GetOrganisationId()
	r.org = orgB
	mb, err := admin.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{}))
	if err != nil || len(mb.Msg.GetMessages()) == 0 {
		t.Fatalf("mailbox: %v %v", mb, err)
	}
	r.ids = append(r.ids, mb.Msg.GetMessages()[0].GetId())

	r.plantDinner(t, coordB, orgB, "0880", "Hostvald", "Gästina")

	// Guides: a guide organisation and its newcomers in 0180.
	if _, err := e.serviceClient().CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Lotsarna i Stockholm", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0180"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0180", Language: "ar", Capacity: 4}}}}); err != nil {
		t.Fatal(err)
	}
	orgG := e.createOrg("Förening 0180", "0180", "0380")
	coordG := e.coordinator(admin, "lots-0180@example.org", orgG, "0180")
	r.sameOrg = "lots-0380@example.org"
	e.coordinator(admin, r.sameOrg, orgG, "0380")
	newcomerG := guideNewcomer(t, coordG, orgG, "0180", "Lotsianna", "ar", typev1.Gender_GENDER_WOMAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	// One no unit guides (Somali): the job leaves her without a guide, so
	// its unassigned list has a foreign row to leak (ADR 0158).
	leftG := guideNewcomer(t, coordG, orgG, "0180", "Lotsomira", "so", typev1.Gender_GENDER_WOMAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	r.ids = append(r.ids, newcomerG, leftG)
	r.names = append(r.names, "Lotsianna", "Lotsomira")

	// Dinners of the same organisation in 0180, foreign to its 0380
	// coordinator as to everyone else swept.
	r.plantDinner(t, coordG, orgG, "0180", "Värdhild", "Gästrid")
	var gjob string
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		if gjob == "" {
			el, err := coordG.guides.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{}))
			if err != nil || el.Msg.GetTotalSize() != 2 {
				return fmt.Errorf("eligibility %v %v", el, err)
			}
			s, err := coordG.guides.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "sweep-guides"}))
			if err != nil {
				return err
			}
			gjob = s.Msg.GetJob().GetId()
		}
		j, err := coordG.guides.GetGuideJob(ctx, connect.NewRequest(&gatewayv1.GetGuideJobRequest{Id: gjob}))
		if err != nil {
			return err
		}
		if j.Msg.GetJob().GetState() != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("guide job %v", j.Msg.GetJob().GetState())
		}
		return nil
	})
	as, err := coordG.guides.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: gjob}))
	if err != nil || len(as.Msg.GetAssignments()) == 0 {
		t.Fatalf("guide assignments: %v %v", as, err)
	}
	left, err := coordG.guides.ListGuideUnassigned(ctx, connect.NewRequest(&gatewayv1.ListGuideUnassignedRequest{JobId: gjob}))
	if err != nil || len(left.Msg.GetUnassigned()) != 1 || left.Msg.GetUnassigned()[0].GetParticipantId() != leftG {
		t.Fatalf("guide job's unassigned: %v %v, want Lotsomira", left, err)
	}
	r.ids = append(r.ids, gjob, as.Msg.GetAssignments()[0].GetAssignment().GetId())
	r.jobs = append(r.jobs, gjob)
	return admin, orgB, r
}

// plantDinner adds, as c, a dinner host and guest of org in muni named
// host and guest, an offer, a sign-up and a job's seating, and records
// their ids, names and the job.
func (r *programmeRecords) plantDinner(t *testing.T, c *apiClient, org, muni, host, guest string) {
	t.Helper()
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	h, g := dinnerHost(t, c, org, muni, host), dinnerGuest(t, c, org, muni, guest)
	offer := dinnerOffer(t, c, h, muni, 4, day)
	signUp := dinnerSignUp(t, c, g, muni, day)
	job := runDinnerJob(t, c, "sweep-dinners-"+muni)
	seats, err := c.dinners.ListSeatings(testutil.Context(t), connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: job.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) == 0 {
		t.Fatalf("seatings in %s: %v %v", muni, seats, err)
	}
	r.ids = append(r.ids, h, g, offer.GetOffer().GetId(), signUp.GetSignUp().GetId(), job.GetId(), seats.Msg.GetSeatings()[0].GetSeating().GetId())
	r.names = append(r.names, host, guest)
	r.jobs = append(r.jobs, job.GetId())
}

// lookalike returns an id of id's shape that names nothing: its last
// four letters and digits are changed, each within its class (hex stays
// hex), so a format check answers both alike.
func lookalike(id string) string {
	b := []byte(id)
	for i, n := len(b)-1, 0; i >= 0 && n < 4; i-- {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			b[i] = '0' + (c-'0'+5)%10
		case c >= 'a' && c <= 'f':
			b[i] = 'a' + (c-'a'+3)%6
		case c >= 'g' && c <= 'z':
			b[i] = 'g' + (c-'g'+7)%20
		default:
			continue
		}
		n++
	}
	return string(b)
}

// sweepOracle calls every gateway method through every id field with
// every foreign id as caller token, and with a look-alike id that names
// nothing: both must answer alike (code and message), never succeed for a
// record, and never show a foreign name or another foreign id. It returns
// the methods it reached through an id field.
func sweepOracle(t *testing.T, e *env, token string, ids, names []string) map[string]bool {
	t.Helper()
	reached := map[string]bool{}
	answer := func(sd protoreflect.ServiceDescriptor, md protoreflect.MethodDescriptor, field, id string, alone bool) (string, string) {
		req := validFill(md.Input().Fields())
		if alone {
			for _, f := range idFields(md) {
				delete(req, f)
			}
		}
		pointAt(req, md.Input(), field, id)
		// The whole answer, byte for byte: status, message and every
		// field violation (the details), the id sent aside.
		code, body := connectCall(t, e, token, sd, md, req)
		return code + ": " + strings.ReplaceAll(body, id, "<id>"), body
	}
	for _, m := range gatewayMethods() {
		sd, md := m.sd, m.md
		if md.Name() == "CreateApiToken" {
			continue
		}
		for _, field := range idFields(md) {
			reached[string(md.Name())] = true
			for _, id := range ids {
				// With the other id fields filled, then, if the request
				// is refused for one of them (ListDeliveries takes a
				// person or a proposal, not both), without them.
				alone := false
				got, body := answer(sd, md, field, id, alone)
				if refusedElsewhere(body, field) {
					alone = true
					got, body = answer(sd, md, field, id, alone)
				}
				want, _ := answer(sd, md, field, lookalike(id), alone)
				if why, ok := unreached[string(md.Name())+" "+field]; refusedElsewhere(body, field) && !ok {
					t.Errorf("%s/%s %s=%s: refused for another field before the record is looked up, so the sweep never reaches its scope check: %s",
						sd.Name(), md.Name(), field, id, trim(body))
				} else if ok && !refusedElsewhere(body, field) && !strings.HasPrefix(got, "permission_denied") { // an operator's: refused whatever the fields
					t.Errorf("%s/%s %s is listed as unreached (%s) but is reached now: take it out of unreached", sd.Name(), md.Name(), field, why)
				}
				if got != want {
					t.Errorf("%s/%s %s=%s: a foreign id answers %q, one that names nothing %q", sd.Name(), md.Name(), field, id, got, want)
				}
				// A create assigns its own id: the one sent names nothing.
				if strings.HasPrefix(got, "ok") && (field == "id" || strings.HasSuffix(field, ".id")) && !strings.HasPrefix(string(md.Name()), "Create") {
					t.Errorf("%s/%s %s=%s: a foreign record was acted on: %s", sd.Name(), md.Name(), field, id, trim(body))
				}
				for _, s := range append(append([]string{}, ids...), names...) {
					if s != id && strings.Contains(body, s) {
						t.Errorf("%s/%s %s=%s leaked %q: %s", sd.Name(), md.Name(), field, id, s, trim(body))
					}
				}
			}
		}
	}
	return reached
}

// unswept are the gateway methods that name no record by id: lists,
// creates, reports, rules and sign-in. TestAccessSweepProgrammes fails for
// a method that is neither reached through an id field nor listed here,
// so a new RPC is classified (and swept) before it ships.
var unswept = map[string]bool{
	"ListDinnerOffers": true, "ListDinnerSignUps": true, "StartDinnerJob": true, "ListDinnerJobs": true, "GetDinnerWaitlist": true,
	"GetDinnerReport": true, "ListGuideEligibility": true, "GetGuideEligibilityRules": true, "UpdateGuideEligibilityRules": true,
	"ListGuideOrganisations": true, "StartGuideJob": true, "ListGuideJobs": true, "GetGuideEquity": true, "StartMatchingJob": true,
	"ListMatchingJobs": true, "GetMentoringReport": true, "ListDeadLetters": true, "ListParticipants": true, "CreateParticipant": true,
	"ListVolunteers": true, "CreateVolunteer": true, "ListOrganisations": true, "ListUsers": true, "CreateUser": true,
	"CreateApiToken": true, "ListWaitingNewcomers": true, "CreateOrganisation": true,
}

// TestAccessSweepProgrammes sweeps every gateway method and every web
// route with the records of dinners, guides and notify (messages, the
// mailbox) of other organisations and municipalities, as a coordinator
// and as an operator: the same answer as for an id that names nothing,
// and no foreign name or id anywhere. Lists are tried with every filter
// pointed at the foreign scope.
func TestAccessSweepProgrammes(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	admin, orgB, r := plantProgrammes(t, e)
	orgA := e.createOrg("A-förening", "0880", "0180")
	coordA := e.coordinator(admin, "a@example.org", orgA, "0880")
	_, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{
		User: &gatewayv1.User{Email: "ops@example.org", DisplayName: "Drift", Role: gatewayv1.Role_ROLE_OPERATOR, Locale: "sv"}, Password: password}))
	if err != nil {
		t.Fatal(err)
	}
	operator := e.login("ops@example.org", password)

	// The API sweeps and the web sweeps, as the coordinator and as the
	// operator, run side by side: none of their requests may reach a
	// foreign record, and what a create adds lies in the caller's own
	// scope, which no sweep compares.
	sameOrg := e.login(r.sameOrg, password)
	for name, tok := range map[string]string{"coordinator": coordA.token, "operator": operator.token, "same organisation, other municipality": sameOrg.token} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			reached := sweepOracle(t, e, tok, r.ids, r.names)
			n := 0
			for _, m := range gatewayMethods() {
				sd, md := m.sd, m.md
				n++
				if !reached[string(md.Name())] && !unswept[string(md.Name())] {
					t.Errorf("%s/%s is not reached through an id field nor classified in unswept: sweep it", sd.Name(), md.Name())
				}
				if reached[string(md.Name())] && unswept[string(md.Name())] {
					t.Errorf("%s/%s is reached through an id field but classified in unswept: take it out", sd.Name(), md.Name())
				}
				if !reached[string(md.Name())] {
					sweepList(t, e, tok, name == "operator", sd, md, orgB, r)
					sweepMunicipality(t, e, tok, sd, md)
				}
			}
			if n < 80 {
				t.Fatalf("swept %d methods: the descriptors were not found", n)
			}
		})
	}
	for name, email := range map[string]string{"coordinator web": "a@example.org", "operator web": "ops@example.org",
		"same organisation, other municipality web": r.sameOrg} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := e.browser()
			b.t = t // fail this subtest, from its own goroutine
			b.signIn(email, password)
			sweepWebOracle(t, b, r)
			sweepWebForms(t, b, e.login(email, password).token, r)
		})
	}
}

// sweepList calls a method that names no record with its organisation,
// municipality and job filters pointed at the foreign scope; a success
// must show nothing foreign.
func sweepList(t *testing.T, e *env, token string, operator bool, sd protoreflect.ServiceDescriptor, md protoreflect.MethodDescriptor, orgB string, r programmeRecords) {
	t.Helper()
	for _, muni := range []string{"0880", "0180"} {
		build := func(orgB string) (map[string]any, bool) {
			req, hasOrg := map[string]any{}, false
			in := md.Input().Fields()
			for k := range in.Len() {
				f := in.Get(k)
				switch {
				case f.Kind() == protoreflect.MessageKind && !f.IsList() && f.Message().Fields().ByName("organisation_id") != nil:
					req[f.JSONName()] = fieldsOf(f.Message(), map[string]any{"organisationId": orgB, "municipalityCode": muni, "givenName": "Intruder"})
					hasOrg = true
				case f.Name() == "organisation_id":
					req[f.JSONName()] = orgB
					hasOrg = true
				case f.Name() == "municipality_code":
					req[f.JSONName()] = muni
				case f.Name() == "municipality_codes":
					req[f.JSONName()] = []string{muni}
				}
			}
			return req, hasOrg
		}
		req, hasOrg := build(orgB)
		code, body := connectCall(t, e, token, sd, md, req)
		if hasOrg {
			// Another organisation's figures and an organisation that
			// does not exist answer alike (a report's counts name no one,
			// so only this comparison can see them), created ids aside.
			none := lookalike(orgB)
			call := func(org string) string {
				req, _ := build(org)
				code, body := connectCall(t, e, token, sd, md, req)
				return maskIDs(code + " " + strings.ReplaceAll(body, org, "<org>"))
			}
			got, want := settledPair(func() (string, string) { return call(orgB), call(none) })
			if got != want {
				t.Errorf("%s/%s (%s): organisation B answers\n%s\none that does not exist\n%s", sd.Name(), md.Name(), muni, trim(got), trim(want))
			}
		}
		foreign := append(append([]string{}, r.ids...), r.names...)
		if !operator || md.Name() != "ListOrganisations" {
			// Organisations are no one's personal data: an operator,
			// who works across them, lists them all.
			foreign = append(foreign, orgB)
		}
		if code == "ok" {
			for _, s := range foreign {
				if strings.Contains(body, s) {
					t.Errorf("%s/%s (%s) showed %q: %s", sd.Name(), md.Name(), muni, s, trim(body))
				}
			}
		}
	}
}

// sweepWebOracle fetches and posts every signed-in web route with each
// foreign id and with a look-alike that names nothing: the same status and
// page (ids and CSRF tokens aside), and no foreign name or id; list pages
// are tried with their filters pointed at the foreign records.
func sweepWebOracle(t *testing.T, b *browser, r programmeRecords) {
	t.Helper()
	all := append(append([]string{}, r.ids...), r.names...)
	leaks := func(what, skip, body string) {
		t.Helper()
		for _, s := range all {
			if s != skip && strings.Contains(body, s) {
				t.Errorf("%s leaked %q", what, s)
			}
		}
	}
	n := 0
	for _, rt := range (&web.Web{}).Routes() {
		if rt.Public || rt.Pattern == "/signout" {
			continue
		}
		if !strings.Contains(rt.Pattern, "{id}") {
			if rt.Method != http.MethodGet {
				continue
			}
			path := strings.ReplaceAll(rt.Pattern, "{$}", "")
			for _, id := range append([]string{""}, r.ids...) {
				q := url.Values{"job": {id}, "person_id": {id}, "person": {id}}
				if id == "" {
					q = url.Values{"municipality_code": {"0180"}, "municipality_codes": {"0180"}}
				}
				code, body := b.get(path + "?" + q.Encode())
				n++
				leaks(fmt.Sprintf("GET %s?%s (%d)", path, q.Encode(), code), id, body)
			}
			continue
		}
		actions := []string{"approve", "reject", "accept", "decline", "activate", "end", "cancel", "rsvp", "replay", "discard"}
		if !strings.Contains(rt.Pattern, "{action}") {
			actions = actions[:1]
		}
		for _, id := range r.ids {
			for _, action := range actions {
				page := func(id string) string {
					path := strings.NewReplacer("{id}", url.PathEscape(id), "{action}", action).Replace(rt.Pattern)
					var code int
					var body string
					if rt.Method == http.MethodGet {
						code, body = b.get(path)
					} else {
						code, body = b.post(path, url.Values{"confirm": {"yes"}, "reason": {"REJECT_REASON_POOR_FIT"}, "date": {calendar.Today(time.Now())}})
					}
					n++
					return strconv.Itoa(code) + " " + csrfRe.ReplaceAllString(strings.ReplaceAll(body, id, "<id>"), "")
				}
				got, want := page(id), page(lookalike(id))
				if got != want {
					t.Errorf("%s %s (%s): a foreign id answers\n%s\none that names nothing\n%s", rt.Method, rt.Pattern, id, trim(got), trim(want))
				}
				if strings.HasPrefix(got, "2") || strings.HasPrefix(got, "303") {
					t.Errorf("%s %s (%s): a foreign record was reached: %s", rt.Method, rt.Pattern, id, trim(got))
				}
				leaks(rt.Method+" "+rt.Pattern+" "+id, id, got)
			}
		}
	}
	if n < 300 {
		t.Fatalf("swept only %d web requests", n)
	}
}
