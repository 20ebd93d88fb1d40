package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

// postNoRecord are the signed-in POST routes without an {id} that read
// none of the fields sweepWebForms fills, and why they are not posted.
var postNoRecord = map[string]string{
	"/guides/jobs":  "a guides job names only municipalities (StartGuideJob is swept through the API)",
	"/guides/rules": "the eligibility rules are no one's record (admins only)",
	"/signout":      "signs the sweeping browser out",
}

// sweepWebForms is the web half of what sweepOracle and sweepList do for
// the API, for the requests sweepWebOracle leaves out: every signed-in
// POST route without an {id} (creates, job starts, the bulk approval, the
// name searches) posted with every field that names a record or a person
// (ids, person, organisation_id, job, name) pointed at each foreign record
// (organisation B included) and at a look-alike that names nothing; and
// every GET route without an {id}, the programs' CSV exports with the
// caller's API token too, with organisation_id set to organisation B and
// to one that does not exist. Each pair must answer alike: the status,
// the page or the address it sends to, and the page there (ids and form
// tokens aside), and show nothing foreign. Report figures name no one, so
// only this comparison can see another organisation's.
func sweepWebForms(t *testing.T, b *browser, token string, r programmeRecords) {
	t.Helper()
	foreign := append(append([]string{r.org}, r.ids...), r.names...)
	leaks := func(what, sent, body string) {
		t.Helper()
		for _, s := range foreign {
			if s != sent && strings.Contains(body, s) {
				t.Errorf("%s leaked %q", what, s)
			}
		}
	}
	// answer renders a response for comparison: what was sent, form
	// tokens and created ids masked; a redirect is followed once.
	answer := func(code int, body, sent string) string {
		out := strconv.Itoa(code) + " " + body
		if code == http.StatusSeeOther && strings.HasPrefix(body, "/") {
			c, page := b.get(body)
			out += "\n" + strconv.Itoa(c) + " " + page
		}
		// A form's idempotency key: each post sends its own.
		out = requestIDRe.ReplaceAllString(csrfRe.ReplaceAllString(strings.ReplaceAll(out, sent, "<sent>"), ""), "")
		// How old a page's figures are ("updated 3 s ago") moves on
		// between two requests.
		// A flash's seal names its expiry, a second on (ADR 0246).
		return maskIDs(sealRe.ReplaceAllString(figuresAgeRe.ReplaceAllString(out, ""), "seal=<seal>"))
	}
	n := 0
	for _, rt := range (&web.Web{}).Routes() {
		if rt.Public || strings.Contains(rt.Pattern, "{id}") || postNoRecord[rt.Pattern] != "" {
			continue
		}
		path := strings.ReplaceAll(rt.Pattern, "{$}", "")
		if rt.Method == http.MethodGet {
			// Organisation B against one that does not exist; 0180
			// (where the foreign records are, none of them the
			// caller's) against a municipality where nobody is, in
			// every spelling of the filter (mp sends "municipalities").
			for _, pair := range [][2]url.Values{
				{{"organisation_id": {r.org}}, {"organisation_id": {lookalike(r.org)}}},
				{munis("0180"), munis(nowhere)},
			} {
				get := func(q url.Values, token string) string {
					var code int
					var body string
					if token == "" {
						code, body = b.get(path + "?" + q.Encode())
					} else {
						code, body = bearerGet(t, b.e, token, path+"?"+q.Encode())
					}
					n++
					sent := q.Get("organisation_id")
					leaks(fmt.Sprintf("GET %s?%s (token %v)", path, q.Encode(), token != ""), sent, body)
					if sent == "" {
						// The filter shows the municipality chosen, by name.
						sent = q.Get("municipality_code")
						body = strings.NewReplacer("Stockholm", "<municipality>", "Kiruna", "<municipality>").Replace(body)
					}
					return answer(code, body, sent)
				}
				tokens := []string{""}
				if rt.Token {
					tokens = append(tokens, token)
				}
				for _, tok := range tokens {
					if got, want := settledPair(func() (string, string) { return get(pair[0], tok), get(pair[1], tok) }); got != want {
						t.Errorf("GET %s?%s (token %v) and ?%s answer apart: %s", path, pair[0].Encode(), tok != "", pair[1].Encode(), firstDiff(got, want))
					}
				}
			}
			continue
		}
		for _, v := range foreign {
			post := func(v string) string {
				n++
				form := url.Values{"ids": {v}, "person": {v}, "person_id": {v}, "organisation_id": {v}, "job": {v}, "name": {v},
					"confirm": {"yes"}, "request_id": {fmt.Sprintf("sweep-web-%d", n)}}
				code, body := b.post(path, form)
				got := answer(code, body, v)
				leaks("POST "+path+" "+v, v, got)
				return got
			}
			none := lookalike(v)
			if !uuidRe.MatchString(v) {
				none = "Zq" + v // a name nobody has
			}
			if got, want := post(v), post(none); got != want {
				t.Errorf("POST %s with %s: a foreign record and one that names nothing answer apart: %s", path, v, firstDiff(got, want))
			}
		}
	}
	if n < 200 {
		t.Fatalf("swept only %d requests", n)
	}
}

// nowhere is a municipality (Kiruna) where no test plants anyone; the
// foreign records are in 0180 (Stockholm).
const nowhere = "2584"

// munis is the query of every municipality filter the pages and exports
// read, set to code.
func munis(code string) url.Values {
	return url.Values{"municipality_code": {code}, "municipality_codes": {code}, "municipalities": {code}}
}

// bearerGet fetches path with an API token, as mp and scripts fetch the
// CSV exports.
func bearerGet(t *testing.T, e *env, token, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// firstDiff shows where two answers part: the status lines and the text
// around the first byte that differs.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return fmt.Sprintf("\n%.40s ... %q\nagainst\n%.40s ... %q", a, a[from:min(len(a), i+200)], b, b[from:min(len(b), i+200)])
}

// sweepMunicipality calls a method that names no record with every
// municipality filter at 0180, where the foreign records are (none of
// them the caller's), and at a municipality where nobody is: the two must
// answer alike (created ids and the code sent aside), which a report's
// figures, naming no one, show only this way.
func sweepMunicipality(t *testing.T, e *env, token string, sd protoreflect.ServiceDescriptor, md protoreflect.MethodDescriptor) {
	t.Helper()
	call := func(code string) string {
		req, set := map[string]any{}, false
		in := md.Input().Fields()
		for k := range in.Len() {
			switch f := in.Get(k); f.Name() {
			case "municipality_code":
				req[f.JSONName()], set = code, true
			case "municipality_codes":
				req[f.JSONName()], set = []string{code}, true
			}
		}
		if !set {
			return ""
		}
		if in.ByName("request_id") != nil { // a job's start: reach its scope check
			req["requestId"] = fmt.Sprintf("sweep-muni-%s-%d", code, time.Now().UnixNano())
		}
		c, body := connectCall(t, e, token, sd, md, req)
		return maskIDs(c + " " + strings.ReplaceAll(body, code, "<municipality>"))
	}
	got, want := settledPair(func() (string, string) { return call("0180"), call(nowhere) })
	if got != want {
		t.Errorf("%s/%s: municipality 0180 and one where nobody is answer apart: %s", sd.Name(), md.Name(), firstDiff(got, want))
	}
	if strings.HasPrefix(string(md.Name()), "Start") && strings.HasPrefix(got, "ok") {
		t.Errorf("%s/%s started a job in 0180, a municipality the caller does not serve: %s", sd.Name(), md.Name(), trim(got))
	}
}

// figuresAgeRe is the line saying how old a page's figures are.
var figuresAgeRe = regexp.MustCompile(`<p class="hint" id="figures-age">[^<]*</p>`)

// settledPair asks pair again while either answer is one to try again
// (a scope's figures are computed on their first read: 503 on a page,
// unavailable through the API), so the two compared are final answers.
func settledPair(pair func() (string, string)) (string, string) {
	again := func(s string) bool { return strings.HasPrefix(s, "503 ") || strings.HasPrefix(s, "unavailable") }
	a, b := pair()
	for k := 0; k < 50 && (again(a) || again(b)); k++ {
		time.Sleep(200 * time.Millisecond)
		a, b = pair()
	}
	return a, b
}
