package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// hostileServices are the gateway services swept with hostile input:
// those added after the first hostile round (issue 9) swept it.
var hostileServices = map[string]bool{
	"motesplats.gateway.v1.DinnersService": true, "motesplats.gateway.v1.GuidesService": true,
	"motesplats.gateway.v1.MessageService": true, "motesplats.gateway.v1.OpsService": true,
	// Matching and the registry gained the waiting list, the left-out
	// lists and creates without a request id after issue 9 (ADR 0179).
	"motesplats.gateway.v1.MatchingService": true, "motesplats.gateway.v1.RegistryService": true,
	// DeleteUser, ListUsers and the audit's new filters came after both
	// (ADR 0201, 0208).
	"motesplats.gateway.v1.UserService": true, "motesplats.gateway.v1.AuditService": true,
}

// scopeFirst are the methods that look their record up before they check
// the rest of the input, so that a foreign id is NotFound whatever else
// the request holds (ADR 0062): with a record that is not there, hostile
// input there may answer NotFound.
var scopeFirst = map[string]bool{"CancelDinner": true}

// mutation is one hostile request: what it does, the request, and
// whether only InvalidArgument will do (else any answer but a fault of
// the server's); field is the field a violation must name then (empty:
// any field).
type mutation struct {
	what    string
	req     map[string]any
	invalid bool
	field   string
}

// hostile derives the hostile variants of a valid request for in: every
// repeated field (also inside record messages and their list entries)
// 100,000 long, every string a million bytes, every enum 999 and -5, page
// sizes negative and huge, page tokens malformed, dates in year 0 and
// 9999.
func hostile(in protoreflect.MessageDescriptor) []mutation {
	var out []mutation
	// set returns a valid request with the field at path (JSON names;
	// "[]" steps into a list's one entry) set to v.
	set := func(path []string, v any) map[string]any {
		req := validFill(in.Fields())
		var into func(m map[string]any, path []string)
		into = func(m map[string]any, path []string) {
			if len(path) == 1 {
				m[path[0]] = v
				return
			}
			if path[1] == "[]" {
				entry := map[string]any{}
				m[path[0]] = []any{entry}
				into(entry, path[2:])
				return
			}
			next, ok := m[path[0]].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[path[0]] = next
			}
			into(next, path[1:])
		}
		into(req, path)
		return req
	}
	var walk func(md protoreflect.MessageDescriptor, path, names []string, depth int)
	walk = func(md protoreflect.MessageDescriptor, path, names []string, depth int) {
		for k := range md.Fields().Len() {
			f := md.Fields().Get(k)
			p := append(append([]string{}, path...), f.JSONName())
			field := strings.Join(append(append([]string{}, names...), string(f.Name())), ".")
			name := strings.Join(p, ".")
			if f.Kind() == protoreflect.MessageKind && f.Message().FullName() == "google.protobuf.FieldMask" {
				out = append(out, mutation{name + " with 100,000 paths", set(p, strings.Repeat("givenName,", 100_000)+"x"), true, field})
				continue
			}
			if f.Kind() == protoreflect.MessageKind && strings.HasPrefix(string(f.Message().FullName()), "google.protobuf.") || f.IsMap() {
				continue
			}
			if f.IsList() {
				var elem any
				switch f.Kind() {
				case protoreflect.StringKind:
					elem = "x"
				case protoreflect.MessageKind:
					elem = map[string]any{}
				default:
					elem = 1
				}
				list := make([]any, 100_000)
				for i := range list {
					list[i] = elem
				}
				out = append(out, mutation{name + " with 100,000 entries", set(p, list), true, field})
			}
			dateLike := strings.Contains(string(f.Name()), "date") || strings.Contains(string(f.Name()), "month")
			switch {
			case f.Kind() == protoreflect.StringKind && !f.IsList():
				out = append(out, mutation{name + " of a million bytes", set(p, strings.Repeat("a", 1_000_000)), true, field})
				if dateLike {
					for _, d := range []string{"0000-01-01", "9999-12-31", "0000-01", "9999-12", "2026-02-30"} {
						out = append(out, mutation{name + "=" + d, set(p, d), false, ""})
					}
				}
				if f.Name() == "page_token" {
					for _, tok := range []string{"garbage!", "AAAA", "%%%", "\u0000", strings.Repeat("A", 4096)} {
						out = append(out, mutation{name + "=" + tok[:min(len(tok), 12)], set(p, tok), true, field})
					}
				}
			case f.Kind() == protoreflect.StringKind && f.IsList():
				out = append(out, mutation{name + " with a million-byte entry", set(p, []string{strings.Repeat("a", 1_000_000)}), true, field})
				if dateLike {
					out = append(out, mutation{name + " in year 0 and 9999", set(p, []string{"0000-01-01", "9999-12-31"}), false, ""})
				}
			case f.Kind() == protoreflect.EnumKind:
				for _, v := range []int{999, -5} {
					val := any(v)
					if f.IsList() {
						val = []any{v}
					}
					out = append(out, mutation{fmt.Sprintf("%s=%d", name, v), set(p, val), true, field})
				}
			case f.Name() == "page_size":
				out = append(out, mutation{name + "=-1", set(p, -1), true, field}, mutation{name + "=2147483647", set(p, 2147483647), false, ""})
			case f.Kind() == protoreflect.MessageKind && f.IsList() && depth < 2:
				walk(f.Message(), append(p, "[]"), append(append([]string{}, names...), string(f.Name())), depth+1)
			case f.Kind() == protoreflect.MessageKind && depth < 2:
				walk(f.Message(), p, append(append([]string{}, names...), string(f.Name())), depth+1)
			}
		}
	}
	walk(in, nil, nil, 0)
	return out
}

// violated reports the fields a Connect JSON error's BadRequest names,
// with list indexes taken out ("offer.dinners[3].date" is
// "offer.dinners.date").
func violated(body string) []string {
	type details struct {
		Details []struct{ Type, Value string }
	}
	var wire struct {
		details
		Error *details // the end of a stream
	}
	_ = json.Unmarshal([]byte(body), &wire)
	if wire.Error != nil {
		wire.details = *wire.Error
	}
	var out []string
	for _, d := range wire.Details {
		if d.Type != "google.rpc.BadRequest" {
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		if err != nil {
			continue
		}
		var br errdetails.BadRequest
		if proto.Unmarshal(raw, &br) != nil {
			continue
		}
		for _, v := range br.GetFieldViolations() {
			out = append(out, indexRe.ReplaceAllString(v.GetField(), ""))
		}
	}
	return out
}

var indexRe = regexp.MustCompile(`\[\d+\]|\.\d+`)

// TestHostileInputProgrammes sends every hostile variant of every request
// of the dinners, guides, messages and ops APIs as an admin, each method
// over one shared connection of its own (the methods side by side, as
// parallel subtests on the one stack): each is InvalidArgument with field
// violations (repeated fields and violations capped, so the answer stays
// small) or, for dates and huge page sizes, any answer but a server
// fault; never Internal, never a dropped connection, nothing stored;
// truncated protobuf and a gzip bomb are refused for every method.
func TestHostileInputProgrammes(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	admin := e.login(adminEmail, adminPass)
	e.createOrg("Org", "0880")
	var (
		n      atomic.Int64
		mu     sync.Mutex
		baseOK = map[string]bool{} // methods whose valid request succeeded
	)
	// The group returns once every method's parallel sweep has ended.
	t.Run("methods", func(t *testing.T) {
		for _, m := range gatewayMethods() {
			if !hostileServices[string(m.sd.FullName())] {
				continue
			}
			t.Run(string(m.sd.Name())+"."+string(m.md.Name()), func(t *testing.T) {
				t.Parallel()
				sent, ok := hostileSweep(t, e, admin.token, m.sd, m.md)
				n.Add(int64(sent))
				mu.Lock()
				defer mu.Unlock()
				baseOK[string(m.md.Name())] = ok
			})
		}
	})
	if n.Load() < 600 {
		t.Fatalf("sent only %d hostile requests", n.Load())
	}
	t.Logf("%d hostile requests", n.Load())
	// Nothing was stored but what the valid requests stored (a job at
	// most, once per request id).
	stored := func(method string) int {
		if baseOK[method] {
			return 1
		}
		return 0
	}
	ctx := testutil.Context(t)
	offers, err := admin.dinners.ListDinnerOffers(ctx, connect.NewRequest(&gatewayv1.ListDinnerOffersRequest{}))
	if err != nil || int(offers.Msg.GetTotalSize()) != stored("CreateDinnerOffer") {
		t.Errorf("offers after the hostile requests: %v %v", offers, err)
	}
	signUps, err := admin.dinners.ListDinnerSignUps(ctx, connect.NewRequest(&gatewayv1.ListDinnerSignUpsRequest{}))
	if err != nil || int(signUps.Msg.GetTotalSize()) != stored("CreateDinnerSignUp") {
		t.Errorf("sign-ups after the hostile requests: %v %v", signUps, err)
	}
	jobs, err := admin.dinners.ListDinnerJobs(ctx, connect.NewRequest(&gatewayv1.ListDinnerJobsRequest{}))
	if err != nil || len(jobs.Msg.GetJobs()) != stored("StartDinnerJob") {
		t.Errorf("dinner jobs after the hostile requests: %v %v", jobs, err)
	}
	people, err := admin.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || int(people.Msg.GetTotalSize()) != stored("CreateParticipant") {
		t.Errorf("participants after the hostile requests: %v %v", people, err)
	}
	vols, err := admin.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{}))
	if err != nil || int(vols.Msg.GetTotalSize()) != stored("CreateVolunteer") {
		t.Errorf("volunteers after the hostile requests: %v %v", vols, err)
	}
	mjobs, err := admin.matching.ListMatchingJobs(ctx, connect.NewRequest(&gatewayv1.ListMatchingJobsRequest{}))
	if err != nil || len(mjobs.Msg.GetJobs()) != stored("StartMatchingJob") {
		t.Errorf("matching jobs after the hostile requests: %v %v", mjobs, err)
	}
	gjobs, err := admin.guides.ListGuideJobs(ctx, connect.NewRequest(&gatewayv1.ListGuideJobsRequest{}))
	if err != nil || len(gjobs.Msg.GetJobs()) != stored("StartGuideJob") {
		t.Errorf("guide jobs after the hostile requests: %v %v", gjobs, err)
	}
}

// hostileSweep sends every hostile variant of md's request, and the
// undecodable and compressed bodies, with token over one connection, which
// no refusal may close. It returns how many it sent and whether the valid
// request succeeded.
func hostileSweep(t *testing.T, e *env, token string, sd protoreflect.ServiceDescriptor, md protoreflect.MethodDescriptor) (int, bool) {
	var dials atomic.Int32
	tr := &http.Transport{MaxConnsPerHost: 1, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	call := func(proc string, body []byte, headers map[string]string) (int, string, string) {
		req, _ := http.NewRequest(http.MethodPost, e.base+proc, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", proc, err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var wire struct{ Code string }
		_ = json.Unmarshal(raw, &wire)
		return res.StatusCode, wire.Code, string(raw)
	}
	n := 0
	proc := fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())
	streaming := md.IsStreamingServer()
	send := func(req map[string]any) (int, string, string) {
		b, _ := json.Marshal(req)
		if streaming {
			code, body := connectStream(t, e, token, sd, md, b)
			return 0, code, body
		}
		status, code, body := call(proc, b, nil)
		if status == http.StatusOK && code == "" {
			code = "ok"
		}
		return status, code, body
	}
	// Only where the valid request passes validation is the
	// hostile field the one fault, which its violation must name.
	_, baseCode, _ := send(validFill(md.Input().Fields()))
	for _, m := range hostile(md.Input()) {
		n++
		status, code, body := send(m.req)
		if status >= 500 || code == "internal" || code == "unknown" || code == "unavailable" || code == "data_loss" || (code == "" && status != http.StatusOK) {
			t.Errorf("%s %s: %d %s %s", md.Name(), m.what, status, code, trim(body))
			continue
		}
		if m.invalid {
			fields := violated(body)
			named := m.field == "" || baseCode == "invalid_argument"
			for _, f := range fields {
				named = named || f == m.field || strings.HasPrefix(f, m.field+".") || strings.HasPrefix(m.field, f+".")
			}
			if scopeFirst[string(md.Name())] && baseCode == "not_found" && code == "not_found" {
				continue // the record is looked up before the input (ADR 0062)
			}
			if code != "invalid_argument" || !named {
				t.Errorf("%s %s: %d %s %v %s, want invalid_argument naming %s", md.Name(), m.what, status, code, fields, trim(body), m.field)
			}
		}
		if len(body) > 32<<10 {
			t.Errorf("%s %s: a %d-byte answer (violations not capped)", md.Name(), m.what, len(body))
		}
	}
	if streaming {
		return n, baseCode == "ok" // streams go over connections of their own (connectStream)
	}
	// Undecodable and compressed bodies, for every method.
	for what, tc := range map[string]struct {
		body    []byte
		headers map[string]string
		status  int
		code    string
	}{
		"truncated protobuf": {[]byte{0x0a, 0x10, 0x0a}, map[string]string{"Content-Type": "application/proto"}, http.StatusBadRequest, "invalid_argument"},
		"invalid UTF-8":      {[]byte("{\"requestId\":\"\xff\xfe\"}"), nil, http.StatusBadRequest, "invalid_argument"},
		"gzip bomb":          {bomb(t), map[string]string{"Content-Encoding": "gzip"}, http.StatusRequestEntityTooLarge, "resource_exhausted"},
	} {
		n++
		if status, code, body := call(proc, tc.body, tc.headers); status != tc.status || code != tc.code {
			t.Errorf("%s %s: %d %s %s, want %d %s", md.Name(), what, status, code, trim(body), tc.status, tc.code)
		}
	}
	// One more request, so that a connection closed by the last refusal
	// shows too.
	if status, _, body := call(proc, []byte{0x0a, 0x10, 0x0a}, map[string]string{"Content-Type": "application/proto"}); status != http.StatusBadRequest {
		t.Errorf("%s truncated protobuf after the sweep: %d %s", md.Name(), status, trim(body))
	}
	if d := dials.Load(); d != 1 {
		t.Errorf("%s: %d connections were opened: a refusal closed the shared one", md.Name(), d)
	}
	return n, baseCode == "ok"
}
