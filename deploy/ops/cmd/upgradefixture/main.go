// Command upgradefixture drives a running `make up` of an older Mötesplats
// into the states an upgrade must carry (people updated, a mentoring pair
// approved and answered, a dinner seating offered and one answered, a guides
// assignment offered, job results, an erased person, an offer e-mailed but
// not answered) and writes what it did to <dir>/upgrade.json, which
// deploy/ops's TestUpgrade_FromOlderData checks against the current code
// (docs/adr/0197). deploy/ops/testdata/upgrade/regenerate.sh runs it.
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/deploy/ops/upgrade"
	"github.com/motesplats/motesplats/pkg/auth"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
)

func main() {
	dir := flag.String("dir", "", "the make up directory (keys.env, state.json); upgrade.json goes there")
	commit := flag.String("commit", "", "the older commit, recorded in upgrade.json")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, *dir, *commit); err != nil {
		fmt.Fprintln(os.Stderr, "upgradefixture:", err)
		os.Exit(1)
	}
}

type procs map[string]string

func readProcs(dir string) (procs, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return nil, err
	}
	var s struct {
		Procs []struct{ Name, Addr string } `json:"procs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	out := procs{}
	for _, p := range s.Procs {
		out[p.Name] = p.Addr
	}
	return out, nil
}

func signingKey(dir string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(filepath.Join(dir, "keys.env"))
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "MP_SIGNING_KEY="); ok {
			return auth.DecodePrivateKey(strings.TrimSpace(v))
		}
	}
	return nil, fmt.Errorf("no MP_SIGNING_KEY in keys.env")
}

func run(ctx context.Context, dir, commit string) error {
	ps, err := readProcs(dir)
	if err != nil {
		return err
	}
	k, err := signingKey(dir)
	if err != nil {
		return err
	}
	dial := func(name string) (*grpc.ClientConn, error) {
		creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(k, "local", time.Now),
			auth.Claims{Subject: "upgrade-fixture", Role: auth.RoleAdmin}, 10*time.Minute))
		return grpcx.Dial(ps[name], grpc.WithPerRPCCredentials(creds))
	}
	conns := map[string]*grpc.ClientConn{}
	for _, n := range []string{"participants", "volunteers", "mentoring-1", "dinners-1", "guides-1", "notify-1"} {
		if conns[n], err = dial(n); err != nil {
			return err
		}
		defer conns[n].Close()
	}
	pc := participantsv1.NewParticipantServiceClient(conns["participants"])
	vc := volunteersv1.NewVolunteerServiceClient(conns["volunteers"])
	mc := mentoringv1.NewMentoringServiceClient(conns["mentoring-1"])
	dc := dinnersv1.NewDinnerServiceClient(conns["dinners-1"])
	gc := guidesv1.NewGuideServiceClient(conns["guides-1"])
	nc := notifyv1.NewNotificationServiceClient(conns["notify-1"])
	// Request ids of this run: a second run starts jobs of its own.
	run := "upgrade-" + strconv.FormatInt(time.Now().Unix(), 36)
	m := upgrade.Manifest{Commit: commit, People: map[string]string{}, Volunteers: map[string]string{}}

	orgs, err := vc.ListOrganisations(ctx, &volunteersv1.ListOrganisationsRequest{MunicipalityCode: "0180", PageSize: 50})
	if err != nil {
		return err
	}
	var org *volunteersv1.Organisation
	for _, o := range orgs.GetOrganisations() {
		if !o.GetIsGuideOrganisation() {
			org = o
		}
	}
	if org == nil {
		return fmt.Errorf("no mentoring organisation in 0180: seed first")
	}
	// People updated twice: the test reads the second value back.
	list, err := pc.ListParticipants(ctx, &participantsv1.ListParticipantsRequest{PageSize: 500})
	if err != nil {
		return err
	}
	for i, p := range list.GetParticipants() {
		if i >= 3 {
			break
		}
		for n := 1; n <= 2; n++ {
			name := fmt.Sprintf("Åsa%d-%d", i, n)
			if _, err := pc.UpdateParticipant(ctx, &participantsv1.UpdateParticipantRequest{
				Participant: &participantsv1.Participant{Id: p.GetId(), GivenName: name},
				UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}}); err != nil {
				return fmt.Errorf("update participant: %w", err)
			}
			m.People[p.GetId()] = name
		}
	}
	vl, err := vc.ListVolunteers(ctx, &volunteersv1.ListVolunteersRequest{PageSize: 500})
	if err != nil {
		return err
	}
	for i, v := range vl.GetVolunteers() {
		if i >= 2 {
			break
		}
		name := fmt.Sprintf("Örjan%d", i)
		if _, err := vc.UpdateVolunteer(ctx, &volunteersv1.UpdateVolunteerRequest{
			Volunteer:  &volunteersv1.Volunteer{Id: v.GetId(), GivenName: name},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}}); err != nil {
			return fmt.Errorf("update volunteer: %w", err)
		}
		m.Volunteers[v.GetId()] = name
	}

	// Mentoring: a job, two proposals approved, the first newcomer accepts by link.
	time.Sleep(3 * time.Second) // the pools' feeds take the updates
	job, err := mc.StartMatchingJob(ctx, &mentoringv1.StartMatchingJobRequest{RequestId: run + "-mentoring",
		OrganisationId: org.GetId(), MunicipalityCodes: org.GetMunicipalityCodes()})
	if err != nil {
		return fmt.Errorf("mentoring job: %w", err)
	}
	m.MentoringJob = job.GetJob().GetId()
	if err := until(ctx, func() error {
		j, err := mc.GetJob(ctx, &mentoringv1.GetJobRequest{Id: m.MentoringJob})
		if err == nil && j.GetJob().GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			err = fmt.Errorf("mentoring job %s", j.GetJob().GetState())
		}
		return err
	}); err != nil {
		return err
	}
	pairs, err := mc.ListPairs(ctx, &mentoringv1.ListPairsRequest{JobId: m.MentoringJob, PageSize: 500})
	if err != nil {
		return err
	}
	m.Pairs = len(pairs.GetPairs())
	if m.Pairs < 2 {
		return fmt.Errorf("mentoring job proposed %d pairs: seed more", m.Pairs)
	}
	// Approved until the mailbox holds links (SMS are held in quiet
	// hours: only e-mailed offers reach it at night).
	approved := pairs.GetPairs()[:min(6, m.Pairs)]
	for _, p := range approved {
		if _, err := mc.ApproveProposal(ctx, &mentoringv1.ApproveProposalRequest{Id: p.GetId()}); err != nil && status.Code(err) != codes.FailedPrecondition {
			return fmt.Errorf("approve: %w", err)
		}
	}
	ml, err := links(ctx, nc, 1, notifyv1.Template_TEMPLATE_MENTEE_OFFER, notifyv1.Template_TEMPLATE_MENTOR_OFFER)
	if err != nil {
		return err
	}
	for _, p := range approved {
		if p.GetParticipantId() == ml[0].person || p.GetVolunteerId() == ml[0].person {
			m.AnsweredPair = p.GetId()
		}
	}
	if code := answer(ps["gateway"], ml[0].url); code != http.StatusOK && code != http.StatusConflict { // 409: a run before answered it
		return fmt.Errorf("mentoring answer: HTTP %d", code)
	}

	// Dinners: a seating job, two approved, the first guest accepts.
	// The seed's dinners are in some organisations only: the first whose
	// job seats two parties.
	all, err := vc.ListOrganisations(ctx, &volunteersv1.ListOrganisationsRequest{PageSize: 100})
	if err != nil {
		return err
	}
	var seats *dinnersv1.ListSeatingsResponse
	for _, o := range all.GetOrganisations() {
		if o.GetIsGuideOrganisation() {
			continue
		}
		dj, err := dc.StartMatchingJob(ctx, &dinnersv1.StartMatchingJobRequest{RequestId: run + "-dinners-" + o.GetId()[len(o.GetId())-8:],
			OrganisationId: o.GetId(), MunicipalityCodes: o.GetMunicipalityCodes()})
		if err != nil {
			return fmt.Errorf("dinners job: %w", err)
		}
		m.DinnersJob = dj.GetJob().GetId()
		if err := until(ctx, func() error {
			j, err := dc.GetJob(ctx, &dinnersv1.GetJobRequest{Id: m.DinnersJob})
			if err == nil && j.GetJob().GetState() != dinnersv1.JobState_JOB_STATE_SUCCEEDED {
				err = fmt.Errorf("dinners job %s", j.GetJob().GetState())
			}
			return err
		}); err != nil {
			return err
		}
		if seats, err = dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: m.DinnersJob, PageSize: 50}); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "dinners job of %s seated %d\n", o.GetName(), len(seats.GetSeatings()))
		if m.Seatings = len(seats.GetSeatings()); m.Seatings >= 2 {
			break
		}
	}
	if m.Seatings < 2 {
		return fmt.Errorf("no dinners job seated two parties: seed more")
	}
	seated := seats.GetSeatings()[:min(6, m.Seatings)]
	for _, st := range seated {
		if _, err := dc.ApproveSeating(ctx, &dinnersv1.ApproveSeatingRequest{Id: st.GetId()}); err != nil && status.Code(err) != codes.FailedPrecondition {
			return fmt.Errorf("approve seating: %w", err)
		}
	}
	dl, err := links(ctx, nc, 4, notifyv1.Template_TEMPLATE_DINNER_INVITATION, notifyv1.Template_TEMPLATE_DINNER_GUEST_PROPOSED)
	if err != nil {
		return err
	}
	seatingOf := func(person string) string {
		for _, st := range seated {
			if st.GetParticipantId() == person || st.GetVolunteerId() == person {
				return st.GetId()
			}
		}
		return ""
	}
	m.AnsweredSeating = seatingOf(dl[0].person)
	if code := answer(ps["gateway"], dl[0].url); code != http.StatusOK && code != http.StatusConflict { // 409: a run before answered it
		return fmt.Errorf("dinners answer: HTTP %d", code)
	}
	// The unanswered link: another seating's, when the mailbox has one
	// (the answered seating's host got a link too).
	for _, l := range dl[1:] {
		if m.UnansweredLink == "" || seatingOf(l.person) != m.AnsweredSeating {
			m.UnansweredSeating, m.UnansweredLink = seatingOf(l.person), l.url
		}
	}
	u, err := url.Parse(m.UnansweredLink)
	if err != nil {
		return err
	}
	m.UnansweredPath = u.Path

	// Guides: an assignment job, one assignment approved (offered).
	gj, err := gc.StartAssignmentJob(ctx, &guidesv1.StartAssignmentJobRequest{RequestId: run + "-guides"})
	if err != nil {
		return fmt.Errorf("guides job: %w", err)
	}
	m.GuidesJob = gj.GetJob().GetId()
	if err := until(ctx, func() error {
		j, err := gc.GetJob(ctx, &guidesv1.GetJobRequest{Id: m.GuidesJob})
		if err == nil && j.GetJob().GetState() != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			err = fmt.Errorf("guides job %s", j.GetJob().GetState())
		}
		return err
	}); err != nil {
		return err
	}
	as, err := gc.ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: m.GuidesJob, PageSize: 50})
	if err != nil {
		return err
	}
	m.Assignments = len(as.GetAssignments())
	if m.Assignments > 0 {
		m.OfferedAssignment = as.GetAssignments()[0].GetId()
		if _, err := gc.ApproveAssignment(ctx, &guidesv1.ApproveAssignmentRequest{Id: m.OfferedAssignment}); err != nil {
			return fmt.Errorf("approve assignment: %w", err)
		}
	}

	// An erased person: one of the updated, not in an approved pair or seating.
	busy := map[string]bool{}
	for _, p := range approved {
		busy[p.GetParticipantId()] = true
	}
	for _, st := range seated {
		busy[st.GetParticipantId()] = true
	}
	for id := range m.People {
		if !busy[id] {
			m.Erased = id
			break
		}
	}
	if m.Erased == "" {
		return fmt.Errorf("every updated person is busy")
	}
	if _, err := pc.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: m.Erased}); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	delete(m.People, m.Erased)
	time.Sleep(3 * time.Second) // notify sends what the approvals asked; the programmes take the erasure
	// The jobs' results as they are left: the erasure removed the
	// erased person's part in them.
	if pairs, err = mc.ListPairs(ctx, &mentoringv1.ListPairsRequest{JobId: m.MentoringJob, PageSize: 500}); err != nil {
		return err
	}
	if seats, err = dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: m.DinnersJob, PageSize: 50}); err != nil {
		return err
	}
	if as, err = gc.ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: m.GuidesJob, PageSize: 50}); err != nil {
		return err
	}
	m.Pairs, m.Seatings, m.Assignments = len(pairs.GetPairs()), len(seats.GetSeatings()), len(as.GetAssignments())
	mb, err := nc.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PageSize: 500})
	if err != nil {
		return err
	}
	for _, msg := range mb.GetMessages() {
		m.Mailbox = append(m.Mailbox, msg.GetId())
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "upgrade.json"), b, 0o600)
}

type link struct{ person, url string }

// links waits until the development mailbox holds at least n messages of
// the templates with an answer link, each for another person.
func links(ctx context.Context, nc notifyv1.NotificationServiceClient, n int, templates ...notifyv1.Template) ([]link, error) {
	var out []link
	err := until(ctx, func() error {
		out = nil
		seen := map[string]bool{}
		mb, err := nc.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PageSize: 500})
		if err != nil {
			return err
		}
		for _, msg := range mb.GetMessages() {
			if !slices.Contains(templates, msg.GetTemplate()) || seen[msg.GetPersonId()] {
				continue
			}
			// The list leaves the bodies out; the message has its link.
			full, err := nc.GetMailboxMessage(ctx, &notifyv1.GetMailboxMessageRequest{Id: msg.GetId()})
			if err != nil {
				return err
			}
			if u := full.GetMessage().GetAnswerUrl(); u != "" {
				seen[msg.GetPersonId()] = true
				out = append(out, link{msg.GetPersonId(), u})
			}
		}
		if len(out) < n {
			return fmt.Errorf("%d of %d links %v in the mailbox (%d messages)", len(out), n, templates, len(mb.GetMessages()))
		}
		return nil
	})
	return out, err
}

// answer accepts by link as the person's browser does: the page's nonce,
// then the form's POST.
func answer(gateway, link string) int {
	// Before ADR 0190 make up's links named 127.0.0.1:8080 wherever the
	// gateway listened: open the path on the layout's gateway.
	if u, err := url.Parse(link); err == nil {
		link = "http://" + gateway + u.Path
	}
	res, err := http.Get(link)
	if err != nil {
		return 0
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	nonce := ""
	if m := regexp.MustCompile(`name="nonce" value="([^"]*)"`).FindSubmatch(page); m != nil {
		nonce = string(m[1])
	}
	res, err = http.PostForm(link, url.Values{"nonce": {nonce}, "action": {"accept"}})
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func until(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
