package server_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

var (
	rowRe  = regexp.MustCompile(`href="/participants/([0-9a-f-]{36})"`)
	nextRe = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	prevRe = regexp.MustCompile(`<a href="([^"]+)" rel="prev">`)
)

// TestEveryRowReachable registers 266 newcomers and walks the web list by
// its next links: every one is reachable, each page says where it is
// ("51–100 of 266"), and the previous link goes back a page (issue 12:
// lists were cut at 50 without a word).
func TestEveryRowReachable(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "pages@example.org", org, "0880")
	const n = 266
	want := map[string]bool{}
	for i := range n {
		res, err := coord.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
			MunicipalityCode: "0880", GivenName: fmt.Sprintf("N%03d", i), FamilyName: "Test",
			Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
		}}))
		if err != nil {
			t.Fatal(err)
		}
		want[res.Msg.GetParticipant().GetId()] = true
	}
	b := e.browser()
	b.signIn("pages@example.org", password)
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		if _, body := b.get("/participants"); !strings.Contains(body, fmt.Sprintf("1–50 of %d", n)) {
			return fmt.Errorf("first page: %s", trim(body))
		}
		return nil
	})
	seen := map[string]bool{}
	path, pages := "/participants", 0
	var second string
	for path != "" {
		code, body := b.get(path)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		pages++
		if pages == 2 {
			second = body
			mustContain(t, body, fmt.Sprintf("51–100 of %d", n))
		}
		for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
			seen[m[1]] = true
		}
		path = ""
		if m := nextRe.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
		if pages > n {
			t.Fatal("next links loop")
		}
	}
	if len(seen) != n || pages != 6 {
		t.Fatalf("reached %d of %d newcomers in %d pages", len(seen), n, pages)
	}
	for id := range want {
		if !seen[id] {
			t.Fatalf("newcomer %s not reachable", id)
		}
	}
	m := prevRe.FindStringSubmatch(second)
	if m == nil {
		t.Fatal("second page has no previous link")
	}
	_, first := b.get(html.UnescapeString(m[1]))
	mustContain(t, first, fmt.Sprintf("1–50 of %d", n))
	if prevRe.MatchString(first) {
		t.Fatal("first page has a previous link")
	}
}
