package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// endedPair makes a pair of org's coordinator c (a mentor and a newcomer
// named after given), activates and ends it on its page as the
// coordinator signed in as email, and returns the pair.
func endedPair(t *testing.T, e *env, c *apiClient, email, org, given string) *gatewayv1.PairView {
	t.Helper()
	mentor(t, c, org, "0880", given+"mentor")
	newcomer(t, c, org, "0880", given)
	p := proposal(t, c)
	b := e.browser()
	b.signIn(email, password)
	activatePair(t, b, p.GetPair().GetId())
	endPair(t, b, p.GetPair().GetId(), "END_REASON_MOVED")
	return p
}

// TestSweepSession47Parameters sweeps what session 47 added and no sweep
// had seen (sweep48, ADR 0267): ListPairs' ended_after, the matching
// page's ?ended=1 and ?follow_up=1, the reports' period (and its CSVs),
// called by a coordinator of organisation A with organisation B's ids
// (an ended pair of B's: its job, newcomer and mentor) and with
// out-of-range values. B's ids answer exactly as ids of nothing; no
// answer holds B's names or ids; every hostile value is refused on its
// field or ignored, never a 500 or an internal error; the CSV counts A's
// pairs alone.
func TestSweepSession47Parameters(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	orgA := e.createOrg("A-förening", "0880")
	orgB := e.createOrg("B-förening", "0880")
	coordA := e.coordinator(admin, "a47@example.org", orgA, "0880")
	coordB := e.coordinator(admin, "b47@example.org", orgB, "0880")
	own := endedPair(t, e, coordA, "a47@example.org", orgA, "Aina")
	theirs := endedPair(t, e, coordB, "b47@example.org", orgB, "Bodil")
	secret := []string{theirs.GetPair().GetId(), theirs.GetPair().GetJobId(), theirs.GetPair().GetParticipantId(),
		theirs.GetPair().GetVolunteerId(), "Bodil", orgB}
	leaks := func(what, body string) {
		t.Helper()
		for _, s := range secret {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q: %s", what, s, trim(body))
			}
		}
	}
	month := time.Now().Add(-30 * 24 * time.Hour)

	// B's coordinator sees B's ended pair: the ids name something.
	res, err := coordB.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{EndedAfter: timestamppb.New(month)}))
	if err != nil || len(res.Msg.GetPairs()) != 1 || res.Msg.GetPairs()[0].GetPair().GetId() != theirs.GetPair().GetId() {
		t.Fatalf("B's own pairs ended lately: %v, %v", res, err)
	}

	// The API: each of B's ids in its field, against an id of nothing.
	calls := 0
	list := func(req *gatewayv1.ListPairsRequest) (*gatewayv1.ListPairsResponse, error) {
		calls++
		r, err := coordA.matching.ListPairs(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, err
		}
		return r.Msg, nil
	}
	bounds := map[string]*timestamppb.Timestamp{"none": nil, "30 days": timestamppb.New(month), "year 1": {Seconds: -62135596800},
		"year 9999": timestamppb.New(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), "year 10000": {Seconds: 253402300800},
		"before year 1": {Seconds: math.MinInt64}, "nanos -1": {Seconds: month.Unix(), Nanos: -1},
		"in a minute": timestamppb.New(time.Now().Add(time.Minute))}
	valid := map[string]bool{"none": true, "30 days": true, "year 1": true}
	ended := []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_ENDED}
	for _, statuses := range [][]eventsv1.PairStatus{nil, ended} {
		for name, bound := range bounds {
			for _, followUp := range []bool{false, true} {
				req := func(id string) *gatewayv1.ListPairsRequest {
					return &gatewayv1.ListPairsRequest{JobId: id, EndedAfter: bound, OnlyNeedingFollowUp: followUp, Statuses: statuses}
				}
				got, gerr := list(req(theirs.GetPair().GetJobId()))
				want, werr := list(req(ids.UUIDv7{}.New()))
				what := fmt.Sprintf("ListPairs with B's job, statuses %v, ended_after %s, follow-up %t", statuses, name, followUp)
				switch {
				case valid[name] && (gerr != nil || werr != nil):
					t.Errorf("%s: %v; an id of nothing: %v", what, gerr, werr)
				case !valid[name] && (connect.CodeOf(gerr) != connect.CodeInvalidArgument || !slices.Equal(violations(gerr), []string{"ended_after"})):
					t.Errorf("%s: %v (%v), want InvalidArgument on ended_after alone", what, gerr, violations(gerr))
				case !proto.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr):
					t.Errorf("%s: %v %v; an id of nothing: %v %v", what, got, gerr, want, werr)
				}
				if got != nil {
					b, _ := json.Marshal(got)
					leaks(what, string(b))
				}
			}
		}
	}
	// With no id: A's own ended pair, never B's.
	for name, bound := range bounds {
		got, err := list(&gatewayv1.ListPairsRequest{EndedAfter: bound})
		if valid[name] && name != "none" && (err != nil || len(got.GetPairs()) != 1 || got.GetPairs()[0].GetPair().GetId() != own.GetPair().GetId()) {
			t.Errorf("A's pairs ended after %s: %v, %v; want A's one pair", name, got, err)
		}
		if got != nil {
			b, _ := json.Marshal(got)
			leaks("ListPairs ended after "+name, string(b))
		}
	}
	// The JSON a program sends, hostile: each refused on the field's
	// parse, in bounded words, never internal.
	for name, v := range map[string]any{"10,000 characters": strings.Repeat("9", 10_000), "month 13": "2026-13-01T00:00:00Z",
		"year 000000": "000000-01-01T00:00:00Z", "a number": 1, "an object": map[string]any{"seconds": 1}, "NUL": "2026-01-01T00:00:00Z\x00"} {
		calls++
		code, body := jsonCall(t, e, coordA.token, "/motesplats.gateway.v1.MatchingService/ListPairs",
			map[string]any{"endedAfter": v, "jobId": theirs.GetPair().GetJobId()})
		if code != http.StatusBadRequest || len(body) > 2000 || strings.Contains(body, "internal") {
			t.Errorf("ended_after %s: %d %s, want 400 in bounded words", name, code, trim(body))
		}
		leaks("ended_after "+name, body)
	}

	calls += sweepBounds(t, e, coordA.token, orgB, leaks)

	// The web pages, as A's coordinator.
	b := e.browser()
	b.signIn("a47@example.org", password)
	long := strings.Repeat("x", 10_000)
	pages := 0
	get := func(path string) (int, string) {
		t.Helper()
		pages++
		code, body := b.get(path)
		if code >= 500 {
			t.Errorf("GET %s: %d", path[:min(len(path), 120)], code)
		}
		leaks("GET "+path[:min(len(path), 120)], body)
		return code, body
	}
	csrf := regexp.MustCompile(`(name="csrf[^"]*" value=")[^"]*`)
	normal := func(body, id string) string { return csrf.ReplaceAllString(strings.ReplaceAll(body, id, "X"), "$1") }
	for _, q := range []string{"ended=1", "follow_up=1", "ended=1&follow_up=1", "ended=" + long, "follow_up=%ff", "ended=2026-13",
		"ended=1&page_token=" + long, "ended=1&job=%00", "ended=1&follow_up=1&job=" + long} {
		for _, id := range []string{"", theirs.GetPair().GetJobId()} {
			path := "/matching?" + q
			if id != "" {
				path += "&job=" + id
			}
			code, body := get(path)
			if id == "" {
				continue
			}
			nothing := ids.UUIDv7{}.New()
			wcode, wbody := get("/matching?" + q + "&job=" + nothing)
			if code != wcode || normal(visibleText(body), id) != normal(visibleText(wbody), nothing) {
				t.Errorf("/matching?%s with B's job: %d, an id of nothing: %d:\n%s\n---\n%s", q[:min(len(q), 40)], code, wcode,
					trim(visibleText(body)), trim(visibleText(wbody)))
			}
		}
	}
	code, body := get("/matching?ended=1")
	if code != http.StatusOK || !strings.Contains(body, "Aina") {
		t.Errorf("A's pairs ended lately: %d, without A's pair:\n%s", code, trim(visibleText(body)))
	}
	thisMonth := time.Now().Format("2006-01")
	periods := map[string][2]string{"month 13": {"2026-13", ""}, "000000-01": {"000000-01", "000000-01"},
		"10,000 characters": {long, long}, "from after to": {"2026-06", "2026-01"}, "year 1": {"0001-01", thisMonth},
		"year 9999": {thisMonth, "9999-12"}, "a script": {"<script>alert(1)</script>", ""}, "not UTF-8": {"%ff", ""},
		"this month": {thisMonth, thisMonth}}
	for name, p := range periods {
		q := "from_month=" + url.QueryEscape(p[0]) + "&to_month=" + url.QueryEscape(p[1])
		if name == "not UTF-8" {
			q = "from_month=%ff"
		}
		for _, path := range []string{"/reports?", "/reports/export.csv?format=machine&", "/reports/export.csv?format=local&"} {
			code, body := get(path + q)
			if strings.Contains(body, "<script>alert") {
				t.Errorf("GET %s%s answers the script unescaped", path, name)
			}
			if strings.HasPrefix(path, "/reports/export.csv") && code == http.StatusOK && strings.Contains(body, "pairs_ended") &&
				!strings.Contains(body, "pairs_ended,"+thisMonth+"/0880,1") {
				t.Errorf("the CSV of %s counts another organisation's pairs:\n%s", name, trim(body))
			}
			t.Logf("%s %s: %d", path, name, code)
		}
	}
	// B's records' pages and their audit trail: as of nothing.
	for _, path := range []string{"/participants/" + theirs.GetPair().GetParticipantId(), "/volunteers/" + theirs.GetPair().GetVolunteerId(),
		"/pairs/" + theirs.GetPair().GetId()} {
		if code, body := get(path); code != http.StatusNotFound || strings.Contains(body, "/admin/audit") {
			t.Errorf("GET %s: %d, want 404 without an audit link", path, code)
		}
	}
	if code, _ := get("/admin/audit?resource_id=" + theirs.GetPair().GetParticipantId()); code != http.StatusForbidden {
		t.Errorf("a coordinator's audit search for B's newcomer: %d, want 403", code)
	}
	t.Logf("%d API calls, %d pages", calls, pages)
}

// jsonCall posts body as JSON to a Connect procedure under token and
// returns the status and the answer.
func jsonCall(t *testing.T, e *env, token, procedure string, body any) (int, string) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	hr, _ := http.NewRequest(http.MethodPost, e.base+procedure, bytes.NewReader(raw))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(got)
}

// boundKind is what a request field bounds, by its type and name: a
// moment (a Timestamp), a month ("YYYY-MM") or a day ("YYYY-MM-DD"); ""
// when it bounds nothing.
func boundKind(fd protoreflect.FieldDescriptor) string {
	name := string(fd.Name())
	switch {
	case fd.IsList() || fd.IsMap():
		return ""
	case fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() == "google.protobuf.Timestamp":
		return "moment"
	case fd.Kind() != protoreflect.StringKind:
		return ""
	case strings.HasSuffix(name, "_month"):
		return "month"
	case name == "start_time":
		return "clock" // a dinner's HH:MM (RecordPastSeating, ADR 0275)
	case name == "date" || strings.HasSuffix(name, "_date"):
		return "day"
	case strings.HasSuffix(name, "_time") || strings.HasSuffix(name, "_after") || strings.HasSuffix(name, "_before") ||
		name == "from" || name == "to" || strings.HasSuffix(name, "_from") || strings.HasSuffix(name, "_to"):
		return "unknown"
	}
	return ""
}

// sweepBounds sends every bound of every gateway API request (found by
// boundKind from the descriptors, so a bound added later is swept, and
// one of a kind not known here fails) out-of-range and hostile values,
// as token's caller, with organisation_id at orgB and at an id of
// nothing and every other id at a well-formed id: both answer alike, in
// a refusal or an answer, never an internal error, never the long value
// back. It returns the calls made.
func sweepBounds(t *testing.T, e *env, token, orgB string, leaks func(what, body string)) int {
	t.Helper()
	long := strings.Repeat("7", 10_000)
	now := time.Now().UTC()
	values := map[string][]any{
		"moment": {"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", now.Add(time.Minute).Format(time.RFC3339), "10000-01-01T00:00:00Z",
			long, "2026-13-01T00:00:00Z", "000000-01-01T00:00:00Z", now.Add(-time.Hour).Format(time.RFC3339)},
		"month": {"2026-13", "000000-01", "0001-01", "9999-12", long, "<script>", "2026-1", now.Format("2006-01")},
		"day":   {"2026-13-01", "0001-01-01", "9999-12-31", long, "000000-01-01", "2026-02-30", now.Format(time.DateOnly)},
		"clock": {"24:00", "99:99", "7:5", "18:00:00", long, "<script>", "18:00"},
	}
	n, bounds := 0, 0
	for _, m := range gatewayMethods() {
		in := m.md.Input().Fields()
		for k := range in.Len() {
			fd := in.Get(k)
			kind := boundKind(fd)
			if kind == "" {
				continue
			}
			bounds++
			what := fmt.Sprintf("%s.%s", m.md.Input().FullName(), fd.Name())
			if values[kind] == nil {
				t.Errorf("%s looks like a bound of a kind the sweep does not know (%s): teach boundKind and sweepBounds its values", what, kind)
				continue
			}
			for _, v := range values[kind] {
				answers := map[string]string{}
				for _, org := range []string{orgB, ids.UUIDv7{}.New()} {
					req := validFill(in)
					if in.ByName("organisation_id") != nil {
						req["organisationId"] = org
					}
					req[fd.JSONName()] = v
					n++
					code, body := connectCall(t, e, token, m.sd, m.md, req)
					short := fmt.Sprint(v)[:min(len(fmt.Sprint(v)), 30)]
					if code == "internal" || code == "unknown" || code == "unavailable" || code == "" {
						t.Errorf("%s = %s: %s %s", what, short, code, trim(body))
					}
					if strings.Contains(body, long) {
						t.Errorf("%s = 10,000 characters: the answer sends them back (%d bytes)", what, len(body))
					}
					leaks(what+" = "+short, strings.ReplaceAll(body, orgB, "the asked organisation"))
					answers[code+" "+strings.ReplaceAll(body, org, "X")] = org
				}
				if len(answers) != 1 {
					t.Errorf("%s = %.30v: B's organisation and an id of nothing answer differently: %v", what, v, answers)
				}
			}
		}
	}
	// 8 bounds when this was written: ListAuditEntries' start and end,
	// CancelDinner's date, the two reports' first and last months,
	// ListPairs' ended_after.
	if bounds < 8 {
		t.Errorf("found %d bounds in the gateway's requests: the descriptors were not walked", bounds)
	}
	t.Logf("%d bounds, %d calls", bounds, n)
	return n
}
