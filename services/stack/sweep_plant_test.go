package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// sweepPlant is what the access sweep plants in organisation A,
// municipality 0880 (ADR 0179, 0189): a newcomer and a mentor with unique
// values in every personal field, the mentoring job that paired them and
// the pair; a dinner guest, a host and a guides newcomer, each with values
// of their own; the host's offer, the guest's sign-up, the dinners job
// that seated the guest at the host's table and the approved seating; the
// guides job (A is a guide organisation with one Arabic place) and the
// newcomer's approved assignment; and the guest's invitation in the
// development mailbox.
type sweepPlant struct {
	orgA, orgB string
	ids        map[string]string // kind -> id
	markers    []string
}

// programmeKinds are the planted kinds only the programmes and notify
// know: their ids are swept over the RPCs of those parts alone (no other
// service stores them), which keeps the sweep's run time in bounds. The
// people among them are swept there too: participants and volunteers
// see them as they see the mentoring newcomer and mentor, swept
// everywhere.
var programmeKinds = map[string]bool{"guest": true, "host": true, "newcomer": true, "offer": true, "sign-up": true,
	"seating": true, "dinners job": true, "guides job": true, "assignment": true, "message": true}

// programmeParts are the stack parts the programme kinds are swept over.
var programmeParts = map[string]bool{"dinners": true, "guides": true, "notify": true}

func plantForSweep(t *testing.T, ctx context.Context, cfg Config, l *Listening) sweepPlant {
	t.Helper()
	c := dialClients(t, cfg, l)
	mn := newMarkers(t)
	org := func(o *volunteersv1.Organisation) string {
		o.Type = volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION
		res, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: o})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetOrganisation().GetId()
	}
	p := sweepPlant{
		orgA: org(&volunteersv1.Organisation{Name: "Sweep A", MunicipalityCodes: []string{"0880", "0180"}, IsGuideOrganisation: true,
			GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 1}}}),
		orgB: org(&volunteersv1.Organisation{Name: "Sweep B", MunicipalityCodes: []string{"0880"}}),
		ids:  map[string]string{},
	}
	np, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: mn.participant(p.orgA, 1)})
	if err != nil {
		t.Fatal(err)
	}
	nv, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: mn.volunteer(p.orgA, 1)})
	if err != nil {
		t.Fatal(err)
	}
	pid, vid := np.GetParticipant().GetId(), nv.GetVolunteer().GetId()
	pools := poolsOf(t, l)
	pools.WaitIDs(t, "mentoring_newcomers", []string{pid})
	pools.WaitIDs(t, "mentoring_mentors", []string{vid})
	mc, pair := matchAndApprove(t, ctx, cfg, l, p.orgA, pid, vid)
	jobs, err := mc.ListJobs(ctx, &mentoringv1.ListJobsRequest{})
	if err != nil || len(jobs.GetJobs()) != 1 {
		t.Fatalf("jobs: %v, %v", jobs, err)
	}
	p.ids["participant"], p.ids["volunteer"], p.ids["organisation"] = pid, vid, p.orgA
	p.ids["pair"], p.ids["job"] = pair, jobs.GetJobs()[0].GetId()
	p.markers = mn.all
	plantProgrammesForSweep(t, ctx, cfg, l, c, &p)
	return p
}

// plantProgrammesForSweep registers A's dinner guest, host and guides
// newcomer (after the mentoring job, and without a mentoring consent or
// role, so that job's one pair stays the planted one) and takes each
// through its programme as far as an approved seating, an approved
// assignment and a message in the mailbox.
func plantProgrammesForSweep(t *testing.T, ctx context.Context, cfg Config, l *Listening, c clients, p *sweepPlant) {
	t.Helper()
	mg, mw, mh := newMarkers(t), newMarkers(t), newMarkers(t)
	today := time.Now().In(stockholm(t))
	day := today.AddDate(0, 0, 10).Format(time.DateOnly)
	consent := func(purpose eventsv1.ConsentPurpose) []*participantsv1.Consent {
		return []*participantsv1.Consent{{Purpose: purpose, TextVersion: "2026-01", Language: "ar"}}
	}
	gp := mg.participant(p.orgA, 2)
	gp.Consents = consent(eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS)
	gp.Notifications = &typev1.NotificationPreferences{PreferredLanguage: "sv"}
	guest, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: gp})
	if err != nil {
		t.Fatal(err)
	}
	wp := mw.participant(p.orgA, 3)
	wp.Consents = consent(eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES)
	wp.ResidencePermitDate = today.AddDate(0, -6, 0).Format(time.DateOnly)
	wp.EstablishmentStatus = eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED
	newcomer, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: wp})
	if err != nil {
		t.Fatal(err)
	}
	hv := mh.volunteer(p.orgA, 4)
	hv.Roles = []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 4}}
	host, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: hv})
	if err != nil {
		t.Fatal(err)
	}
	gid, nid, hid := guest.GetParticipant().GetId(), newcomer.GetParticipant().GetId(), host.GetVolunteer().GetId()
	pools := poolsOf(t, l)
	pools.WaitIDs(t, "dinners_guests", []string{gid})
	pools.WaitIDs(t, "dinners_hosts", []string{hid})
	pools.WaitIDs(t, "guides_newcomers", []string{nid})
	pools.WaitIDs(t, "guides_organisations", []string{p.orgA})

	// Dinners: the host's street address is a planted value too.
	dc := dinnersv1.NewDinnerServiceClient(stackConn(t, cfg, l, "dinners"))
	offer, err := dc.CreateOffer(ctx, &dinnersv1.CreateOfferRequest{RequestId: "sweep-offer", Offer: &dinnersv1.Offer{
		OrganisationId: p.orgA, MunicipalityCode: "0880", VolunteerId: hid, Seats: 4, Address: mh.name("street", 4) + " 7, Kalmar",
		Kitchen:     &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}},
		Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Languages: []string{"ar", "sv"},
		Dinners: []*dinnersv1.Dinner{{Date: day, StartTime: "18:00"}}}})
	if err != nil {
		t.Fatalf("create offer: %v", err)
	}
	signUp, err := dc.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: "sweep-signup", SignUp: &dinnersv1.SignUp{
		OrganisationId: p.orgA, MunicipalityCode: "0880", ParticipantId: gid, Languages: []string{"ar"}, Dates: []string{day},
		Party:        []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_FAMILY,
		Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}}})
	if err != nil {
		t.Fatalf("create sign-up: %v", err)
	}
	dj, err := dc.StartMatchingJob(ctx, &dinnersv1.StartMatchingJobRequest{RequestId: "sweep-dinners", OrganisationId: p.orgA, MunicipalityCodes: []string{"0880"}})
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		j, err := dc.GetJob(ctx, &dinnersv1.GetJobRequest{Id: dj.GetJob().GetId()})
		if err != nil {
			return err
		}
		if s := j.GetJob().GetState(); s != dinnersv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("dinners job %v %s", s, j.GetJob().GetErrorMessage())
		}
		return nil
	})
	ss, err := dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: dj.GetJob().GetId()})
	if err != nil || len(ss.GetSeatings()) != 1 {
		t.Fatalf("seatings: %v, %v", ss, err)
	}
	seating := ss.GetSeatings()[0].GetId()
	if _, err := dc.ApproveSeating(ctx, &dinnersv1.ApproveSeatingRequest{Id: seating}); err != nil {
		t.Fatalf("approve seating: %v", err)
	}

	// Guides: A's own coordinator runs the job (so it is A's), an admin
	// approves the one assignment.
	gc := guidesv1.NewGuideServiceClient(stackConn(t, cfg, l, "guides"))
	own := guidesv1.NewGuideServiceClient(stackConn(t, cfg, l, "guides", "-role", "coordinator", "-org", p.orgA,
		"-municipalities", "0880", "-subject", "sweep-a"))
	guidesEntitled(t, ctx, gc, nid, "")
	gj, err := own.StartAssignmentJob(ctx, &guidesv1.StartAssignmentJobRequest{RequestId: "sweep-guides", MunicipalityCodes: []string{"0880"}})
	if err != nil {
		t.Fatal(err)
	}
	assignment := guidesOneAssignment(t, ctx, gc, gj.GetJob().GetId()).GetId()
	if _, err := gc.ApproveAssignment(ctx, &guidesv1.ApproveAssignmentRequest{Id: assignment}); err != nil {
		t.Fatal(err)
	}
	admin := notifyv1.NewNotificationServiceClient(stackConn(t, cfg, l, "notify"))
	inv := mailboxOf(t, ctx, admin, gid, notifyv1.Template_TEMPLATE_DINNER_INVITATION)

	for kind, id := range map[string]string{"guest": gid, "host": hid, "newcomer": nid, "offer": offer.GetOffer().GetId(),
		"sign-up": signUp.GetSignUp().GetId(), "seating": seating, "dinners job": dj.GetJob().GetId(),
		"guides job": gj.GetJob().GetId(), "assignment": assignment, "message": inv.GetId()} {
		p.ids[kind] = id
	}
	p.markers = append(append(append(p.markers, mg.all...), mw.all...), mh.all...)
}

// personKinds are the planted kinds that are people.
var personKinds = map[string]bool{"participant": true, "volunteer": true, "guest": true, "host": true, "newcomer": true}

// idChoice names, for an RPC that takes one of several ids and refuses
// two, the field a kind's id goes in; its other id fields stay empty.
var idChoice = map[string]func(kind string) string{
	"/motesplats.notify.v1.NotificationService/ListDeliveries": func(kind string) string {
		if personKinds[kind] {
			return "person_id"
		}
		return "proposal_id" // a pair, a seating or an assignment
	},
	// A job's assignments, or one newcomer's (ADR 0279): both filters
	// set to one planted id would ask for an assignment of a job whose
	// newcomer has the job's id, which no record is.
	"/motesplats.guides.v1.GuideService/ListAssignments": func(kind string) string {
		if personKinds[kind] {
			return "participant_id"
		}
		return "job_id"
	},
}

// inScope are the sweep's callers who are no strangers to a part's
// records: guides scopes newcomers and assignments by municipality alone
// ("the right to a guide and the assignment to a guide organisation are
// the municipality's concern, whichever organisation registered the
// newcomer", guides.visible), so B's coordinators in 0880 see A's there
// by design, and the rows of A's guides job there (ListAssignments,
// ListUnassigned; the job itself, GetJob and WatchJob, is A's). A's
// coordinator in 0180 is guides' stranger. part -> caller -> kinds.
var inScope = map[string]map[string]map[string]bool{"guides": {
	"coordinator of B":     {"newcomer": true, "assignment": true, "guides job": true},
	"coordinator of B, A2": {"newcomer": true, "assignment": true, "guides job": true},
}}

// shapes complete the requests fill leaves refused for their input, so
// a call reaches the record: an update names one field it changes (with a
// value it takes), attendance names the party's first member, feedback
// rates.
var shapes = map[string]func(req protoreflect.Message){
	"/motesplats.dinners.v1.DinnerService/UpdateOffer": func(req protoreflect.Message) {
		setPath(req, "offer.seats", protoreflect.ValueOfInt32(6))
		maskPaths(req, "seats")
	},
	"/motesplats.dinners.v1.DinnerService/UpdateSignUp": func(req protoreflect.Message) {
		setPath(req, "sign_up.first_time", protoreflect.ValueOfBool(true))
		maskPaths(req, "first_time")
	},
	"/motesplats.dinners.v1.DinnerService/RecordAttendance": func(req protoreflect.Message) {
		fd := req.Descriptor().Fields().ByName("attendance")
		row := req.Mutable(fd).List().AppendMutable().Message()
		row.Set(row.Descriptor().Fields().ByName("member"), protoreflect.ValueOfInt32(0))
		row.Set(row.Descriptor().Fields().ByName("attendance"), protoreflect.ValueOfEnum(1))
	},
	"/motesplats.dinners.v1.DinnerService/RecordFeedback": func(req protoreflect.Message) {
		setPath(req, "feedback.rating", protoreflect.ValueOfInt32(4))
	},
}

// setPath sets the field at a dotted path of message fields.
func setPath(m protoreflect.Message, path string, v protoreflect.Value) {
	names := strings.Split(path, ".")
	for _, n := range names[:len(names)-1] {
		m = m.Mutable(m.Descriptor().Fields().ByName(protoreflect.Name(n))).Message()
	}
	m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(names[len(names)-1])), v)
}

// maskPaths sets req's update mask to paths.
func maskPaths(req protoreflect.Message, paths ...string) {
	mask := req.Mutable(req.Descriptor().Fields().ByName("update_mask")).Message()
	l := mask.Mutable(mask.Descriptor().Fields().ByName("paths")).List()
	for _, p := range paths {
		l.Append(protoreflect.ValueOfString(p))
	}
}

// sweepRequest is request(m, id, rid) shaped (shapes), with the id fields
// idChoice leaves out of kind's request cleared.
func sweepRequest(m serviceMethod, kind, id, rid string) *dynamicpb.Message {
	req := request(m, id, rid)
	if shape := shapes[m.path()]; shape != nil {
		shape(req)
	}
	if choose := idChoice[m.path()]; choose != nil {
		keep := choose(kind)
		fields := req.Descriptor().Fields()
		for i := range fields.Len() {
			fd := fields.Get(i)
			if n := string(fd.Name()); n != keep && n != "request_id" && (n == "id" || strings.HasSuffix(n, "_id")) {
				req.Clear(fd)
			}
		}
	}
	return req
}

// witnesses are reads that show each planted record to those it belongs
// to (A's coordinator of both municipalities; an administrator for the
// development mailbox): with via's id in every id field, the answer is OK
// with kind's id in it, and differs from the answer for an id of nothing.
// So every planted id names a real record, and the sweep's comparison of
// a planted id with nothing can fail.
var witnesses = []struct {
	kind, path, via string
	admin           bool
}{
	{"participant", "/motesplats.participants.v1.ParticipantService/GetParticipant", "participant", false},
	{"volunteer", "/motesplats.volunteers.v1.VolunteerService/GetVolunteer", "volunteer", false},
	{"organisation", "/motesplats.volunteers.v1.VolunteerService/GetOrganisation", "organisation", false},
	{"pair", "/motesplats.mentoring.v1.MentoringService/GetPair", "pair", false},
	{"job", "/motesplats.mentoring.v1.MentoringService/WatchJob", "job", false},
	{"guest", "/motesplats.dinners.v1.DinnerService/GetSignUp", "sign-up", false},
	{"host", "/motesplats.dinners.v1.DinnerService/GetOffer", "offer", false},
	{"newcomer", "/motesplats.guides.v1.GuideService/GetEligibility", "newcomer", false},
	{"offer", "/motesplats.dinners.v1.DinnerService/GetOffer", "offer", false},
	{"sign-up", "/motesplats.dinners.v1.DinnerService/GetSignUp", "sign-up", false},
	{"seating", "/motesplats.dinners.v1.DinnerService/GetSeating", "seating", false},
	{"dinners job", "/motesplats.dinners.v1.DinnerService/WatchJob", "dinners job", false},
	{"guides job", "/motesplats.guides.v1.GuideService/WatchJob", "guides job", false},
	{"assignment", "/motesplats.guides.v1.GuideService/ListAssignments", "guides job", false},
	{"assignment", "/motesplats.guides.v1.GuideService/GetAssignment", "assignment", false},
	{"message", "/motesplats.notify.v1.NotificationService/GetMailboxMessage", "message", true},
	{"seating", "/motesplats.notify.v1.NotificationService/ListDeliveries", "seating", false},
}

// witness checks witnesses, and that every planted kind has one; it
// returns the number of calls it made.
func witness(t *testing.T, ctx context.Context, cfg Config, s *sweeper, p sweepPlant, methods []serviceMethod) int {
	t.Helper()
	byPath := map[string]serviceMethod{}
	for _, m := range methods {
		byPath[m.path()] = m
	}
	own := mint(t, cfg, "-role", "coordinator", "-org", p.orgA, "-municipalities", "0880,0180", "-subject", "sweep-a")
	admin := mint(t, cfg)
	seen := map[string]bool{}
	for _, w := range witnesses {
		m, ok := byPath[w.path]
		if !ok {
			t.Errorf("witness %s is no RPC", w.path)
			continue
		}
		tok := own
		if w.admin {
			tok = admin
		}
		id, lookalike := p.ids[w.via], ids.UUIDv7{}.New()
		got := s.call(ctx, m, tok, sweepRequest(m, w.via, id, "sweep-witness"))
		if got.code != codes.OK || got.open || !bytes.Contains(got.body, []byte(p.ids[w.kind])) {
			t.Errorf("%s with the %s's id: %v, %d messages (open %t); want the %s %s in them", w.path, w.via, got,
				got.messages, got.open, w.kind, p.ids[w.kind])
		}
		if want := s.call(ctx, m, tok, sweepRequest(m, w.via, lookalike, "sweep-witness-l")); got.norm(id, true) == want.norm(lookalike, true) {
			t.Errorf("%s: the %s's id answers as an id of nothing does: %s", w.path, w.via, got.norm(id, true))
		}
		seen[w.kind] = true
	}
	for kind := range p.ids {
		if !seen[kind] {
			t.Errorf("planted %s has no witness: nothing shows the sweep that it exists", kind)
		}
	}
	return 2 * len(witnesses)
}
