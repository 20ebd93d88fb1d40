package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// nextPageRe is a list page's link to its next page.
var nextPageRe = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// amalMarkRe is Amal Hassan's name with its mark, in a page's text.
var amalMarkRe = regexp.MustCompile(`Amal Hassan\s+\(registrerad ([^)]+)\)`)

// TestNamesakesOnOtherPagesToldApart: the newcomers' list marked two
// people of one name only when both were on the page shown (50 a page),
// so the first Amal Hassan, on page 1, and the second, on page 2, read as
// one person (ADR 0192 left it). Each page now marks its Amal with when
// each was registered, from the service's namesakes over every page
// (ADR 0196); people whose name no one shares carry nothing, and a
// volunteer's namesake on another page is returned too.
func TestNamesakesOnOtherPagesToldApart(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Sidorna", "0180")
	coord := e.coordinator(admin, "sidor@example.org", org, "0180")
	first := newcomer(t, coord, org, "0180", "Amal")
	for i := range 50 {
		newcomer(t, coord, org, "0180", "Nimo"+string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	second := newcomer(t, coord, org, "0180", "Amal")
	b := e.swedishBrowser("sidor@example.org")

	code, page1 := b.get("/participants")
	if code != http.StatusOK || !strings.Contains(page1, first) || strings.Contains(page1, second) {
		t.Fatalf("page 1: %d, want the first Amal and not the second: %s", code, trim(visibleText(page1)))
	}
	next := nextPageRe.FindStringSubmatch(page1)
	if next == nil {
		t.Fatalf("page 1 has no next page: %s", trim(visibleText(page1)))
	}
	_, page2 := b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(page2, second) {
		t.Fatalf("page 2 lacks the second Amal: %s", trim(visibleText(page2)))
	}
	marks := map[string]string{}
	for name, body := range map[string]string{"page 1": page1, "page 2": page2} {
		text := visibleText(body)
		if n := strings.Count(text, "(registrerad "); n != 1 {
			t.Errorf("%s marks %d people, want its Amal only:\n%s", name, n, trim(text))
		}
		m := amalMarkRe.FindStringSubmatch(text)
		if m == nil {
			t.Errorf("%s: Amal Hassan without when she was registered:\n%s", name, trim(text))
			continue
		}
		marks[name] = m[1]
	}
	if marks["page 1"] == marks["page 2"] {
		t.Errorf("both Amal marked %q: want them told apart", marks["page 1"])
	}

	// A volunteer's namesake on another page, as the API returns it.
	one, two := mentor(t, coord, org, "0180", "Berit"), mentor(t, coord, org, "0180", "Berit")
	mentor(t, coord, org, "0180", "Cecilia")
	res, err := coord.registry.ListVolunteers(testutil.Context(t), connect.NewRequest(&gatewayv1.ListVolunteersRequest{PageSize: 1, WithNamesakes: true}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range res.Msg.GetNamesakes() {
		if n.GetOfId() != one || n.GetCreateTime() == nil {
			t.Errorf("namesake %v: want of %s with its registration time", n, one)
		}
		got = append(got, n.GetId())
	}
	if len(got) != 2 || got[0] != one || got[1] != two {
		t.Errorf("volunteer page 1's namesakes %v, want %s and %s", got, one, two)
	}
}
