package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSwappedRowKeepsItsNamesakeMark: an approve or a reject from a
// proposal's row (htmx) swaps in the row the server sends back, which was
// built alone and lost the "(registrerad …)" the whole list gave it (ADR
// 0170, 0200) until the page was reloaded. The row now carries the mark
// the list gives it, on mentoring's and dinners' proposals, after an
// approve, a reject, a reject that asks for its reason and an approve the
// service refused because the proposal moved on; a person whose only
// namesake is another organisation's stays unmarked. (Guides' proposals
// are approved by a plain form that reloads the whole page.)
func TestSwappedRowKeepsItsNamesakeMark(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	s := plantNamesakeLists(t, e)
	ctx := testutil.Context(t)
	br := e.swedishBrowser("namn-a@example.org")
	br.get("/matching?job=" + s.mentoring)
	row := func(path string, form url.Values) string {
		t.Helper()
		form.Set("csrf", br.csrf)
		req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		res, err := br.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.StatusCode, trim(string(body)))
		}
		return visibleText(string(body))
	}
	check := func(what, text string, marked, plain []string) {
		t.Helper()
		for _, n := range marked {
			if !markedRe(n).MatchString(text) {
				t.Errorf("%s: %s without when registered, as the list shows them:\n%s", what, n, trim(text))
			}
		}
		for _, n := range plain {
			if !strings.Contains(text, n) || markedRe(n).MatchString(text) {
				t.Errorf("%s: want %s in the row, unmarked (the namesake is another organisation's):\n%s", what, n, trim(text))
			}
		}
	}

	pairs, err := s.coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: s.mentoring}))
	if err != nil {
		t.Fatal(err)
	}
	var amal, leila string
	for _, v := range pairs.Msg.GetPairs() {
		switch v.GetPair().GetParticipantId() {
		case s.amal1:
			amal = v.GetPair().GetId()
		case s.leila:
			leila = v.GetPair().GetId()
		}
	}
	if amal == "" || leila == "" {
		t.Fatalf("mentoring proposals %v: want Amal's and Leila's", pairs.Msg.GetPairs())
	}
	job := url.Values{"job": {s.mentoring}}
	check("mentoring approve", row("/matching/pairs/"+amal+"/approve", job), []string{"Amal Hassan", "Berit Andersson"}, nil)
	check("mentoring approve refused", row("/matching/pairs/"+amal+"/approve", job), []string{"Amal Hassan", "Berit Andersson"}, nil)
	check("mentoring reject without a reason", row("/matching/pairs/"+leila+"/reject", job), []string{"Berit Andersson"}, []string{"Leila Hassan"})
	check("mentoring reject", row("/matching/pairs/"+leila+"/reject", url.Values{"job": {s.mentoring}, "reason": {"REJECT_REASON_OTHER"}}),
		[]string{"Berit Andersson"}, []string{"Leila Hassan"})

	seats, err := s.coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: s.dinners}))
	if err != nil {
		t.Fatal(err)
	}
	if len(seats.Msg.GetSeatings()) != 2 {
		t.Fatalf("dinners proposals %v: want Amal's and Nour's", seats.Msg.GetSeatings())
	}
	for _, v := range seats.Msg.GetSeatings() {
		id := v.GetSeating().GetId()
		dj := url.Values{"job": {s.dinners}}
		if v.GetSeating().GetParticipantId() == s.amal2 {
			check("dinners approve", row("/dinners/seatings/"+id+"/approve", dj), []string{"Amal Hassan"}, nil)
			check("dinners approve refused", row("/dinners/seatings/"+id+"/approve", dj), []string{"Amal Hassan"}, nil)
			continue
		}
		check("dinners reject", row("/dinners/seatings/"+id+"/reject", url.Values{"job": {s.dinners}, "reason": {"REJECT_REASON_OTHER"}}),
			nil, []string{"Nour Hassan"})
	}
}
