package server_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUnseatedNamesakesMarked: two Leila Haddad of Stockholm left
// without a seat by one dinners job read as one newcomer in `mp dinners
// unseated` ("Leila Haddad, Stockholm" twice), while every other list
// marks a namesake with when they were registered (ADR 0200, 0220). Now
// each is marked, and so is Amal Haddad, whose namesake has no sign-up
// (the marks are over everyone the coordinator may see); Noor Haddad,
// alone of her name, is not. The web app names no unseated party (its
// dinners page counts them per reason), so there is nothing to mark there.
//
// Each party names its newcomer (UnseatedParty.participant_id, ADR 0228).
// A dinners service from before (olderDinners) names none: the gateway
// finds them as before, one sign-up at a time for a page of 16 or fewer
// parties and by listing their municipality's sign-ups for more, gives
// the API the same ids and names, and mp prints the same lines.
func TestUnseatedNamesakesMarked(t *testing.T) {
	t.Parallel()
	older := &atomic.Bool{}
	e := start(t, envOptions{olderDinners: older})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Middagar med namnar", "0180")
	coord := e.coordinator(admin, "namnar@example.org", org, "0180")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	noDinner := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, day)
	given := []string{"Leila", "Leila", "Amal", "Noor"}
	for i := range 14 { // 18 parties: more than the gateway reads one by one
		given = append(given, fmt.Sprintf("Gäst%02d", i))
	}
	newcomer := map[string]string{} // sign-up id to participant id
	for _, g := range given {
		p := dinnerGuest(t, coord, org, "0180", g)
		newcomer[dinnerSignUp(t, coord, p, "0180", noDinner).GetSignUp().GetId()] = p
	}
	dinnerGuest(t, coord, org, "0180", "Amal") // Amal's namesake, with no sign-up
	job := runDinnerJob(t, coord, "unseated-namesakes")

	// checkAPI: every party of the job, in pages of size, names its
	// newcomer by id and by name.
	checkAPI := func(mode string, size int32) {
		t.Helper()
		seen := 0
		for token := ""; ; {
			un, err := coord.dinners.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: job.GetId(), PageSize: size, PageToken: token}))
			if err != nil {
				t.Fatalf("%s: %v", mode, err)
			}
			for _, u := range un.Msg.GetUnseated() {
				seen++
				if got, want := u.GetParticipantId(), newcomer[u.GetSignUpId()]; got != want {
					t.Errorf("%s, pages of %d: party %s names newcomer %q, want %q", mode, size, u.GetSignUpId(), got, want)
				}
				if n := un.Msg.GetParticipantNames()[u.GetSignUpId()]; !strings.HasSuffix(n, " Haddad") {
					t.Errorf("%s, pages of %d: party %s named %q", mode, size, u.GetSignUpId(), n)
				}
			}
			if token = un.Msg.GetNextPageToken(); token == "" {
				break
			}
		}
		if seen != len(given) {
			t.Errorf("%s, pages of %d: %d parties, want %d", mode, size, seen, len(given))
		}
	}
	dir := t.TempDir()
	if out, err := mpAs(t, dir, password, "sv", "login", "-server", e.base, "-email", "namnar@example.org"); err != nil {
		t.Fatalf("mp login: %v\n%s", err, out)
	}
	mp := func(mode string) string {
		t.Helper()
		out, err := mpAs(t, dir, "", "sv", "dinners", "unseated", job.GetId())
		if err != nil {
			t.Fatalf("%s: mp dinners unseated: %v\n%s", mode, err, out)
		}
		return out
	}
	marked := regexp.MustCompile(`\t(Leila|Amal|Noor) Haddad, Stockholm( \(registrerad [^)]+\))?\t`)

	checkAPI("parties naming their newcomer", 500)
	now := mp("parties naming their newcomer")
	got := map[string]int{}
	for _, m := range marked.FindAllStringSubmatch(now, -1) {
		got[m[1]+map[bool]string{true: " marked", false: " unmarked"}[m[2] != ""]]++
	}
	if want := map[string]int{"Leila marked": 2, "Amal marked": 1, "Noor unmarked": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("mp dinners unseated: %v, want %v:\n%s", got, want, trim(now))
	}

	older.Store(true)
	checkAPI("older dinners", 500) // 18 parties: their sign-ups listed
	checkAPI("older dinners", 4)   // 4 a page: read one by one
	if before := mp("older dinners"); before != now {
		t.Errorf("mp dinners unseated from an older dinners service:\n%s\nwant as from the current one:\n%s", trim(before), trim(now))
	}
}

// TestDinnersPageCountsUnseatedWithoutNames: the dinners page counts a
// job's left-out parties per reason and names none of them, yet it read
// (and recorded as read) every party's newcomer, as mp's list does (ADR
// 0223). It now reads no name, sign-up nor sign-up list for the count
// (ADR 0228); the API's list still names them.
func TestDinnersPageCountsUnseatedWithoutNames(t *testing.T) {
	t.Parallel()
	logs := &testutil.LogBuffer{}
	e := start(t, envOptions{logs: logs, logLevel: slog.LevelDebug})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Middagar räknade", "0180")
	coord := e.coordinator(admin, "raknade@example.org", org, "0180")
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, time.Now().AddDate(0, 0, 5).Format(time.DateOnly))
	for _, g := range []string{"Leila", "Noor"} {
		dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", g), "0180", time.Now().AddDate(0, 0, 9).Format(time.DateOnly))
	}
	job := runDinnerJob(t, coord, "unseated-counted")
	br := e.swedishBrowserAs("raknade@example.org", password)
	reads := []string{"BatchGetParticipantNames", "GetParticipant", "GetSignUp", "ListSignUps"}
	count := func(f func()) map[string]int {
		t.Helper()
		before := serviceCalls(logs)
		f()
		after := serviceCalls(logs)
		got := map[string]int{}
		for _, m := range reads {
			if n := after[m] - before[m]; n > 0 {
				got[m] = n
			}
		}
		return got
	}
	if got := count(func() {
		code, body := br.get("/dinners?job=" + job.GetId())
		if code != http.StatusOK {
			t.Fatalf("/dinners?job=: %d", code)
		}
		mustContain(t, body, "2 sällskap: ingen middag på någon av deras dagar")
	}); len(got) != 0 {
		t.Errorf("the dinners page read %v to count the parties, want nothing", got)
	}
	if got := count(func() {
		un, err := coord.dinners.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: job.GetId()}))
		if err != nil || len(un.Msg.GetParticipantNames()) != 2 {
			t.Fatalf("API: %v, %v", un.Msg.GetParticipantNames(), err)
		}
	}); got["BatchGetParticipantNames"] > 1 || got["GetSignUp"]+got["ListSignUps"]+got["GetParticipant"] > 0 {
		t.Errorf("the API's list read %v, want at most one BatchGetParticipantNames", got)
	}
}
