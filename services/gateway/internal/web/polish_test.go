package web

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// Findings of the s24 coordinators' round (ADR 0125) that a page rendered
// from its data shows; the server package's tests drive the same through
// the handlers.

var checkboxRe = regexp.MustCompile(`<input type="checkbox" id="(?:dm|m)-(\d{4})" name="municipality_codes" value="\d{4}"( checked)?>`)

// ticks are a job form's municipality boxes and whether each is ticked.
func ticks(body string) map[string]bool {
	out := map[string]bool{}
	for _, m := range checkboxRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2] != ""
	}
	return out
}

// TestRefusedJobFormKeepsTicks: the three job forms tick every
// municipality when first shown, and, shown again after a refused post,
// the boxes the coordinator ticked (they were all ticked again, and a
// second click ran the job on every municipality); the guides form keeps
// its quota too.
func TestRefusedJobFormKeepsTicks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		data func(p *page) any
	}{
		{"dinners", func(p *page) any { return &dinnersMatchingData{Available: true, Munis: dinnerMunis(p)} }},
		{"matching", func(p *page) any { return newMatchingFixture().data(p) }},
		{"guides_assign", func(p *page) any {
			return &guideAssignData{Available: true, Munis: p.User.GetMunicipalityCodes(), Quotas: []option{{"QUOTA_A", "A"}, {"QUOTA_B", "B"}}}
		}},
	} {
		p := benchPage()
		p.Data = tt.data(p)
		if got, want := ticks(renderPage(t, p, tt.name)), map[string]bool{"0180": true, "0380": true}; !cmp.Equal(got, want) {
			t.Errorf("%s first shown: ticked %v, want %v", tt.name, got, want)
		}
		for _, posted := range [][]string{{"0380"}, nil} {
			p := benchPage()
			p.Form = url.Values{"csrf": {"csrf-token"}, "municipality_codes": posted, "quota": {"QUOTA_B"}}
			p.Data = tt.data(p)
			body := renderPage(t, p, tt.name)
			want := map[string]bool{"0180": false, "0380": len(posted) > 0}
			if got := ticks(body); !cmp.Equal(got, want) {
				t.Errorf("%s refused with %v ticked: ticked %v, want %v", tt.name, posted, got, want)
			}
			if tt.name == "guides_assign" && !strings.Contains(body, `<option value="QUOTA_B" selected>B</option>`) {
				t.Errorf("the guides form lost its quota")
			}
		}
	}
}

// TestProposalsBestFirst: the matching page keeps the service's ranking
// by points (ADR 0128: one ranking across pages, equal points by pair id)
// and orders each run of equal points by the newcomer's name in Swedish
// order (å, ä, ö after z, case ignored), then the mentor's; it never moves
// a proposal across a change of points, which would undo the ranking.
func TestProposalsBestFirst(t *testing.T) {
	t.Parallel()
	prop := func(id string, score int32, newcomer, mentor string) *gatewayv1.PairView {
		return &gatewayv1.PairView{Pair: &mentoringv1.Pair{Id: id, Score: score}, ParticipantName: newcomer, VolunteerName: mentor}
	}
	// As the service pages them: points highest first, then pair id.
	props := []*gatewayv1.PairView{
		prop("d", 45, "ärlig Nord", "Karin Ek"),
		prop("b", 30, "Örjan Ek", "Karin Ek"),
		prop("c", 30, "Zlatan Ali", "Karin Ek"),
		prop("e", 30, "Åsa Lund", "Olle Ek"),
		prop("f", 30, "Åsa Lund", "Erik Ek"),
		prop("g", 30, "adam Berg", "Karin Ek"),
		prop("a", 12, "Adam Berg", "Karin Ek"),
	}
	p := benchPage()
	d := &matchingData{Available: true}
	matchingRows(p, d, nil, func(*mentoringv1.Job) string { return "" }, props, nil, pageNamesakes{})
	var got []string
	for _, r := range d.Proposals {
		got = append(got, r.ID)
	}
	if want := []string{"d", "g", "c", "f", "e", "b", "a"}; !cmp.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	p.Data = d
	body := renderPage(t, p, "matching")
	if i, j := strings.Index(body, "ärlig Nord"), strings.Index(body, "Adam Berg"); i < 0 || j < 0 || i > j {
		t.Errorf("the page does not show the best proposal first (%d, %d)", i, j)
	}
	// Names order only equal points: a run split by other points stays
	// where the service put it.
	d = &matchingData{Available: true}
	matchingRows(p, d, nil, func(*mentoringv1.Job) string { return "" }, []*gatewayv1.PairView{
		prop("x", 30, "Örjan Ek", "Karin Ek"), prop("y", 20, "Adam Berg", "Karin Ek"), prop("z", 30, "Adam Berg", "Karin Ek"),
	}, nil, pageNamesakes{})
	got = got[:0]
	for _, r := range d.Proposals {
		got = append(got, r.ID)
	}
	if want := []string{"x", "y", "z"}; !cmp.Equal(got, want) {
		t.Errorf("order %v, want the service's %v", got, want)
	}
}

// TestPeopleInSwedishOrder: a dinners picker's people in a Swedish
// register's order whatever the page's language: Å, Ä, Ö after Z, and a
// name typed in lower case among the others.
func TestPeopleInSwedishOrder(t *testing.T) {
	t.Parallel()
	people := []dinnerChoice{}
	for _, n := range []string{"Örjan Lindgren, Stockholm", "Zlatan Lindgren, Uppsala", "Åsa Lindgren, Stockholm", "ärlig Lindgren, Stockholm", "Adam Lindgren, Stockholm", "adam Berg, Uppsala"} {
		people = append(people, dinnerChoice{Value: n, Label: n})
	}
	sortPeople(people)
	var got []string
	for _, c := range people {
		got = append(got, strings.Fields(c.Label)[0]+" "+strings.TrimSuffix(strings.Fields(c.Label)[1], ","))
	}
	want := []string{"adam Berg", "Adam Lindgren", "Zlatan Lindgren", "Åsa Lindgren", "ärlig Lindgren", "Örjan Lindgren"}
	if !cmp.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestAttachmentName: a download's name in the user's words reaches every
// browser: an ASCII filename (å, ä, ö as a, a, o) and the UTF-8 name as
// filename*; nothing in a name can end the quoted value or the header.
func TestAttachmentName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, want string }{
		{"rapport-middagar-2026-12.csv", `attachment; filename="rapport-middagar-2026-12.csv"`},
		{"jämlikhet-Öst.csv", `attachment; filename="jamlikhet-Ost.csv"; filename*=UTF-8''j%C3%A4mlikhet-%C3%96st.csv`},
		{"a\"b\r\nc;d.csv", `attachment; filename="a-b--c-d.csv"; filename*=UTF-8''a%22b%0D%0Ac%3Bd.csv`},
		{"تقرير.csv", `attachment; filename="-----.csv"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.csv`},
	} {
		if got := attachment(tt.name); got != tt.want {
			t.Errorf("attachment(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := reportPeriod("2026-10", "2026-12"); got != "2026-10_2026-12" {
		t.Errorf("period %q", got)
	}
	if got := reportPeriod("2026-12", "2026-12"); got != "2026-12" {
		t.Errorf("period of one month %q", got)
	}
}

// TestMailboxNamesThePerson: the mailbox list and a message name the
// person it went to; the Person-id was all the message page showed.
func TestMailboxNamesThePerson(t *testing.T) {
	t.Parallel()
	p := benchPage()
	p.Admin = true
	msg := &notifyv1.MailboxMessage{Id: "m-1", PersonId: "0193d000-0000-7000-8000-000000000001", To: "leila@example.org", Language: "sv"}
	p.Data = mailboxData{Items: []mailboxRow{{MailboxMessage: msg, Name: "Leila Haddad"}, {MailboxMessage: &notifyv1.MailboxMessage{Id: "m-2"}}}}
	body := renderPage(t, p, "mailbox")
	for _, want := range []string{"<th scope=\"col\">Mottagare</th>", "<td>Leila Haddad</td>", "okänd (borttagen)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the mailbox lacks %s", want)
		}
	}
	p.Data = mailboxMessage{Msg: msg, Name: "Leila Haddad", Dir: "ltr"}
	body = renderPage(t, p, "mailbox_message")
	if !strings.Contains(body, "<dt>Mottagare</dt><dd>Leila Haddad") || strings.Contains(body, "<code>"+msg.GetPersonId()) {
		t.Errorf("the message does not name its recipient:\n%s", body)
	}
}
