package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

var personValueRe = regexp.MustCompile(`<option value="([^"]+)" >([^<]+)</option>`)

// TestNamesakesToldApart: two newcomers named Amal Haddad in Stockholm
// read alike in the guest picker and the register ("Amal Haddad,
// Stockholm" twice, ADR 0129). Each now carries when it was registered,
// the two differ, the page of each person shows that moment, and
// someone whose name no one shares (Leila) carries nothing (ADR 0132).
func TestNamesakesToldApart(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Namnen", "0180")
	coord := e.coordinator(admin, "namn@example.org", org, "0180")
	ids := []string{dinnerGuest(t, coord, org, "0180", "Amal"), dinnerGuest(t, coord, org, "0180", "Amal")}
	dinnerGuest(t, coord, org, "0180", "Leila")
	var days []string
	for _, id := range ids {
		v, err := coord.registry.GetParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		days = append(days, v.Msg.GetParticipant().GetParticipant().GetCreateTime().AsTime().In(localtime.Zone).Format(time.DateOnly))
	}
	b := e.swedishBrowser("namn@example.org")

	_, page := b.get("/dinners/signups/new")
	got := pickerPeople(page)
	if len(got) != 3 || got[0] == got[1] || got[2] != "Leila Haddad, Stockholm" {
		t.Fatalf("guest picker %q: want two Amal told apart, then Leila", got)
	}
	for _, l := range got[:2] {
		if !strings.HasPrefix(l, "Amal Haddad, Stockholm (registrerad "+days[0]) && !strings.HasPrefix(l, "Amal Haddad, Stockholm (registrerad "+days[1]) {
			t.Errorf("picker label %q: want the registration day", l)
		}
	}

	// The register's name search, where a coordinator finds a person.
	b.get("/participants")
	_, loc := b.post("/participants/search", url.Values{"name": {"amal"}})
	code, body := b.get(loc)
	if code != http.StatusOK {
		t.Fatalf("search: %d", code)
	}
	for _, l := range got[:2] {
		when := strings.TrimSuffix(strings.TrimPrefix(l, "Amal Haddad, Stockholm ("), ")")
		mustContain(t, body, "("+when+")")
	}
	// The page of each shows the moment its label gives (to the second,
	// so it holds a label of any precision).
	labels := map[string]string{}
	for _, m := range personValueRe.FindAllStringSubmatch(personSelectRe.FindString(page), -1) {
		labels[m[1]] = m[2]
	}
	for _, id := range ids {
		when, _, _ := strings.Cut(strings.TrimPrefix(labels[id], "Amal Haddad, Stockholm (registrerad "), ",")
		when = strings.TrimSuffix(when, ")")
		if _, page := b.get("/participants/" + id); !strings.Contains(page, "Registrerad "+when) {
			t.Errorf("the page of %s does not show %q, its label %q", id, when, labels[id])
		}
	}
}
