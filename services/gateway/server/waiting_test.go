package server_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestWhoWaitsForAMentor: the overview's "N Nyanlända som väntar på
// mentor" linked to the matching page, which lists no one waiting (outside
// round s30). It now links to /matching/waiting, which lists exactly the
// newcomers the count counts (consent to mentoring, in no proposed,
// offered or active pair), namesakes told apart, with the day each began
// waiting; another organisation's coordinator sees none of them. The API's
// pairs carry when the newcomer was registered (ADR 0170). The API's
// ListWaitingNewcomers and mp matching waiting list the same people, in
// the same order, over pages of 2 too, and refuse a bad page token or
// size naming the field, in Swedish in mp (ADR 0172).
func TestWhoWaitsForAMentor(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset", "0180")
	coord := e.coordinator(admin, "wait@example.org", org, "0180")
	e.coordinator(admin, "other@example.org", e.createOrg("Annan förening", "0180"), "0180")

	// Three Arabic speakers for one mentor with two places, and two
	// namesakes she shares no language with.
	for _, n := range []string{"Leila", "Samir", "Yusuf"} {
		newcomer(t, coord, org, "0180", n)
	}
	for range 2 {
		if _, err := coord.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
			OrganisationId: org, MunicipalityCode: "0180", GivenName: "Tesfay", FamilyName: "Berhane",
			Languages:    []*typev1.LanguageSkill{{Code: "ti", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_NONE, Household: &participantsv1.Household{Size: 1},
			Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
		}})); err != nil {
			t.Fatalf("create newcomer: %v", err)
		}
	}
	mentor(t, coord, org, "0180", "Karin")
	var job *mentoringv1.Job
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		var err error
		if job, err = finishedJob(t, coord, "wait-"); err != nil {
			return err
		}
		if c := job.GetCounts(); c.GetNewcomers() != 5 || c.GetMentors() != 1 {
			return fmt.Errorf("job saw %d newcomers and %d mentors, want 5 and 1", c.GetNewcomers(), c.GetMentors())
		}
		return nil
	})
	if c := job.GetCounts(); c.GetProposals() != 2 {
		t.Fatalf("job counts %v, want 2 proposals", c)
	}
	props, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: job.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	proposed := map[string]bool{}
	for _, v := range props.Msg.GetPairs() {
		proposed[v.GetParticipantName()] = true
		if v.GetParticipantRegistered() == nil || v.GetVolunteerRegistered() == nil {
			t.Errorf("pair %s: no registration moment for its people (%v, %v)", v.GetPair().GetId(), v.GetParticipantRegistered(), v.GetVolunteerRegistered())
		}
	}

	b := e.browser()
	b.signIn("wait@example.org", password)
	b.swedish()
	_, overview := b.get("/")
	mustContain(t, overview, `<a href="/matching/waiting"><span class="num">3</span> Nyanlända som väntar på mentor</a>`)
	code, page := b.get("/matching/waiting")
	if code != http.StatusOK {
		t.Fatalf("/matching/waiting: %d\n%s", code, trim(page))
	}
	mustContain(t, page, `<html lang="sv"`, "<title>Väntar på mentor", "<h1>Väntar på mentor</h1>", "1–3 av 3", "Väntar sedan", " (i dag)")
	if n := strings.Count(page, `Tesfay Berhane</a> <span class="muted">(registrerad 20`); n != 2 {
		t.Errorf("namesakes told apart: %d, want both Tesfay Berhane\n%s", n, trim(page))
	}
	listed := 0
	for _, n := range []string{"Leila Hassan", "Samir Hassan", "Yusuf Hassan"} {
		if strings.Contains(page, n) {
			listed++
			if proposed[n] {
				t.Errorf("%s has a proposal and is listed as waiting", n)
			}
		}
	}
	if listed != 1 {
		t.Errorf("Arabic speakers listed: %d, want the one without a proposal", listed)
	}
	noEnglish(t, "/matching/waiting", page)
	if code, page := b.get("/matching/waiting?page_token=bm9wZQ"); code != http.StatusUnprocessableEntity || !strings.Contains(page, "börja om från första sidan") {
		t.Errorf("a made-up page token: %d, want 422 in words\n%s", code, trim(page))
	}

	other := e.browser()
	other.signIn("other@example.org", password)
	if code, page := other.get("/matching/waiting"); code != http.StatusOK || strings.Contains(page, "Hassan") || strings.Contains(page, "Berhane") {
		t.Errorf("another organisation's coordinator: %d, and must see nobody of ours\n%s", code, trim(page))
	}

	// The API: the page's three, in the page's order, whole and in pages
	// of 2; the other organisation's coordinator gets none of them.
	api, err := coord.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range api.Msg.GetNewcomers() {
		names = append(names, n.GetParticipantName())
		if proposed[n.GetParticipantName()] || n.GetWaitStartTime() == nil || n.GetParticipantRegistered() == nil || n.GetMunicipalityCode() != "0180" {
			t.Errorf("API row %v: proposed %v, or without its wait, registration or municipality", n, proposed[n.GetParticipantName()])
		}
	}
	if api.Msg.GetTotalSize() != 3 || len(names) != 3 || slices.Index(names, "Tesfay Berhane") < 0 {
		t.Fatalf("API: %d in all, %v, want the page's 3", api.Msg.GetTotalSize(), names)
	}
	var paged []string
	token := ""
	for range 3 {
		res, err := coord.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{PageSize: 2, PageToken: token}))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range res.Msg.GetNewcomers() {
			paged = append(paged, n.GetParticipantName())
		}
		if token = res.Msg.GetNextPageToken(); token == "" {
			break
		}
	}
	if !slices.Equal(paged, names) {
		t.Errorf("API in pages of 2: %v, want %v", paged, names)
	}
	for field, req := range map[string]*gatewayv1.ListWaitingNewcomersRequest{"page_token": {PageToken: "bm9wZQ"}, "page_size": {PageSize: 501}} {
		_, err := coord.matching.ListWaitingNewcomers(ctx, connect.NewRequest(req))
		if connect.CodeOf(err) != connect.CodeInvalidArgument || !slices.Contains(violations(err), field) {
			t.Errorf("API with a bad %s: %v, want invalid_argument naming it", field, err)
		}
	}
	otherAPI := e.login("other@example.org", password)
	if res, err := otherAPI.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{})); err != nil ||
		res.Msg.GetTotalSize() != 0 || len(res.Msg.GetNewcomers()) != 0 {
		t.Errorf("another organisation's coordinator through the API: %v, %v; want nobody", res, err)
	}

	// mp, in the language the coordinator chose: the same three in the
	// same order, the namesakes told apart; -page-size 2 the first two and
	// how many wait; -o to a file; a bad size refused in words.
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "wait@example.org")
	out := mp(t, dir, "matching", "waiting")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("mp matching waiting: %d lines, want 3\n%s", len(lines), out)
	}
	for k, l := range lines {
		if !strings.Contains(l, names[k]) || !strings.Contains(l, "Stockholm") || !strings.Contains(l, "(i dag)") {
			t.Errorf("mp line %d: %q, want %s in Stockholm, waiting since today (i dag)", k, l, names[k])
		}
	}
	if n := strings.Count(out, "Tesfay Berhane (registrerad 20"); n != 2 {
		t.Errorf("mp told %d Tesfay Berhane apart, want 2\n%s", n, out)
	}
	// One page of 2, its namesakes told apart over the whole list (ADR
	// 0188): the rows are compared by id.
	first := mp(t, dir, "matching", "waiting", "-page-size", "2")
	id := func(l string) string { x, _, _ := strings.Cut(l, "\t"); return x }
	mustContain(t, first, id(lines[0])+"\t", id(lines[1])+"\t", "de 2 som väntat längst av 3")
	if strings.Contains(first, id(lines[2])) {
		t.Errorf("-page-size 2 printed the third:\n%s", first)
	}
	// One row is "den som", not "de 1 som" (ADR 0176).
	one := mp(t, dir, "matching", "waiting", "-page-size", "1")
	mustContain(t, one, id(lines[0])+"\t", "den som väntat längst av 3")
	if strings.Contains(one, "de 1 som") {
		t.Errorf("-page-size 1 said %q", one)
	}
	file := filepath.Join(dir, "waiting.tsv")
	mustContain(t, mp(t, dir, "matching", "waiting", "-o", file), "sparade 3 rader i "+file)
	if b, err := os.ReadFile(file); err != nil || string(b) != out {
		t.Errorf("-o wrote %q (%v), want what the screen shows:\n%s", b, err, out)
	}
	if out, err := mpRun(t, dir, "matching", "waiting", "-page-size", "900"); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("mp -page-size 900: %v\n%s; want refused with the cap", err, out)
	}
}
