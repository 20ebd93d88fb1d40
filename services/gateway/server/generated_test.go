package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/reqgen"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// gwGeneratedSeed makes TestGatewayGenerated's requests; a failure names
// the case under it.
const gwGeneratedSeed = 213

// maxGatewayRefusal bounds an error's body over Connect: a request of
// 10,000 bad entries is refused in a few lines (JSON, the BadRequest
// detail in base64).
const maxGatewayRefusal = 16 << 10

// gwAnswer is what a Connect caller reads back.
type gwAnswer struct {
	status int
	code   string // "ok" or the Connect code
	msg    string
	fields []string
	descs  []string
	raw    []byte
	broken error // the connection failed: no answer at all
}

// TestGatewayGenerated sends every method of the gateway's Connect API
// (from the registered descriptors) requests made by reqgen, in JSON and
// in binary protobuf, as no one, as a coordinator of another organisation
// and as an administrator. Every call is answered (a handler panic drops
// the connection); none is internal, unknown or data_loss; an
// invalid_argument names fields and stays under maxGatewayRefusal; no
// message or violation holds Go's or a library's text, and every
// violation and refusal (wordedCodes) is one the catalogue words in
// Swedish; the foreign coordinator's answers hold none of the
// planted newcomer's and mentor's values, and their records keep their
// etags; afterwards /healthz answers and no service logged a panic.
func TestGatewayGenerated(t *testing.T) {
	t.Parallel()
	logs := &testutil.LogBuffer{}
	e := start(t, envOptions{logs: logs})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	orgA := e.createOrg("Generated A", "0880")
	orgB := e.createOrg("Generated B", "0880")
	coordB := e.coordinator(admin, "gen-b@example.org", orgB, "0880")
	names := []string{"Zorvenka", "Quillimar"}
	pid := newcomer(t, admin, orgA, "0880", names[0])
	vid := mentor(t, admin, orgA, "0880", names[1])
	planted := []string{pid, vid, orgA}
	state := func() string {
		p, err := admin.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: pid}))
		if err != nil {
			t.Fatal(err)
		}
		v, err := admin.registry.GetVolunteer(ctx, connect.NewRequest(&gatewayv1.GetVolunteerRequest{Id: vid}))
		if err != nil {
			t.Fatal(err)
		}
		vb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(v.Msg.GetVolunteer().GetVolunteer())
		return p.Msg.GetParticipant().GetParticipant().GetEtag() + " " + fmt.Sprintf("%x", vb)
	}
	before := state()

	g := reqgen.New(reqgen.Seed(gwGeneratedSeed), reqgen.Options{Cap: grpcx.MaxRepeated, BigString: 256 << 10,
		IDs: func(string) []string { return planted }})
	methods := gatewayMethods()
	slices.SortFunc(methods, func(a, b gatewayMethod) int {
		return strings.Compare(string(a.md.FullName()), string(b.md.FullName()))
	})
	if len(methods) < 40 {
		t.Fatalf("found only %d gateway methods: a descriptor is not registered", len(methods))
	}
	tokens := map[string]string{"no token": "", "coordinator of B": coordB.token, "admin": admin.token}
	perCaller := map[string]int{"no token": 2, "coordinator of B": 4, "admin": 4}
	byService := map[string]map[string]int{}
	unworded := map[string]int{}
	calls := 0
	for _, who := range []string{"no token", "coordinator of B", "admin"} {
		for _, m := range methods {
			req := validFill(m.md.Input().Fields())
			if m.md.Input().Fields().ByName("id") != nil {
				req["id"] = pid
			}
			raw, _ := json.Marshal(req)
			base := dynamicpb.NewMessage(m.md.Input())
			if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, base); err != nil {
				t.Fatalf("%s: base %s: %v", m.md.FullName(), raw, err)
			}
			for i, c := range g.Cases(m.md.Input(), base, reqgen.Scale(perCaller[who])) {
				bodies := map[string][]byte{"proto": c.Wire}
				if c.Msg != nil {
					if j, err := protojson.Marshal(c.Msg); err == nil {
						bodies["json"] = j
					}
				}
				if bodies["json"] == nil {
					// What only bytes carry, in JSON's terms: the base cut
					// short, or with a byte of it changed.
					j, _ := protojson.Marshal(base)
					if i%2 == 0 && len(j) > 1 {
						j = j[:len(j)/2]
					} else if len(j) > 0 {
						j[len(j)/3] ^= 0x20
					}
					bodies["json"] = j
				}
				for _, codec := range []string{"json", "proto"} {
					calls++
					a := gatewayCall(e, tokens[who], m, codec, bodies[codec])
					svc := string(m.sd.Name())
					if byService[svc] == nil {
						byService[svc] = map[string]int{}
					}
					byService[svc][a.code]++
					where := fmt.Sprintf("%s/%s %s as %s, case %s (seed %d)", m.sd.Name(), m.md.Name(), codec, who, c.Name, reqgen.Seed(gwGeneratedSeed))
					checkGatewayAnswer(t, where, who, bodies[codec], a, names, unworded)
				}
			}
		}
		if who == "coordinator of B" {
			if after := state(); after != before {
				t.Errorf("the planted newcomer or mentor of A changed under a coordinator of B's generated requests")
			}
		}
	}
	res, err := http.Get(e.base + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("/healthz after the generated requests: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if !strings.Contains(logs.String(), `"msg":"rpc"`) {
		t.Fatal("no rpc log line captured: a panic's would not be seen either")
	}
	if n := strings.Count(logs.String(), "rpc panic"); n > 0 {
		t.Errorf("%d handler panics recovered under the generated requests", n)
	}
	for _, msg := range slices.Sorted(maps.Keys(unworded)) {
		t.Errorf("%d answers say %q, which the catalogue does not word", unworded[msg], msg)
	}
	for _, svc := range slices.Sorted(maps.Keys(byService)) {
		t.Logf("%s: %v", svc, byService[svc])
	}
	t.Logf("%d generated calls over %d methods", calls, len(methods))
}

// gatewayGoText is text no Connect answer may hold: Go's, gRPC's and the
// decoders' (goText) and file paths.
var gatewayGoText = []string{"/work/", "/home/", "/usr/", "nats:", "jetstream", "redis", "protojson", "unmarshal", "<nil>", "%!"}

// wordedCodes are the codes whose message a user reads as the reason a
// change was refused, which the catalogue words (its refusalCodes, ADR
// 0136); not found and unauthenticated have pages and mp words of their
// own, and an invalid argument's reasons are its violations, each of
// which the catalogue words whatever the code.
var wordedCodes = map[string]bool{"failed_precondition": true, "aborted": true, "already_exists": true,
	"permission_denied": true, "unavailable": true}

// checkGatewayAnswer judges one answer; unworded counts the messages the
// catalogue has no Swedish for.
func checkGatewayAnswer(t *testing.T, where, who string, sent []byte, a gwAnswer, names []string, unworded map[string]int) {
	t.Helper()
	if a.broken != nil {
		t.Errorf("%s: no answer: %v", where, a.broken)
		return
	}
	switch a.code {
	case "internal", "unknown", "data_loss", "":
		t.Errorf("%s: %d %s %q", where, a.status, a.code, a.msg)
	case "invalid_argument":
		if len(a.fields) == 0 {
			t.Errorf("%s: invalid_argument %q without a field violation", where, a.msg)
		}
		if len(a.raw) > maxGatewayRefusal {
			t.Errorf("%s: a refusal of %d bytes (%d violations)", where, len(a.raw), len(a.fields))
		}
	}
	if a.status >= 500 && a.code != "unavailable" {
		t.Errorf("%s: HTTP %d", where, a.status)
	}
	if a.code != "ok" {
		for i, text := range append([]string{a.msg}, a.descs...) {
			// A refusal may quote what the caller sent (a mask's path, %q):
			// text the request holds is the caller's, not Go's.
			if w := goText.FindString(text); w != "" && !bytes.Contains(sent, []byte(w)) {
				t.Errorf("%s: %q holds %q", where, text, w)
			}
			for _, w := range gatewayGoText {
				if strings.Contains(strings.ToLower(text), w) && !bytes.Contains(bytes.ToLower(sent), []byte(w)) {
					t.Errorf("%s: %q holds %q", where, text, w)
				}
			}
			if (i > 0 || wordedCodes[a.code]) && text != "" && catalog.ViolationText("sv", text) == text {
				unworded[a.code+": "+text]++
			}
		}
	}
	if who == "coordinator of B" {
		for _, n := range names {
			if bytes.Contains(a.raw, []byte(n)) {
				t.Errorf("%s: the answer shows A's %q", where, n)
			}
		}
	}
}

// gatewayCall sends body (codec "json" or "proto") to m over Connect,
// unary or server-streaming, and reads the answer.
func gatewayCall(e *env, token string, m gatewayMethod, codec string, body []byte) gwAnswer {
	ctype := "application/" + codec
	if m.md.IsStreamingServer() {
		ctype = "application/connect+" + codec
		env := append([]byte{0, 0, 0, 0, 0}, body...)
		binary.BigEndian.PutUint32(env[1:5], uint32(len(body)))
		body = env
	}
	hr, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/%s/%s", e.base, m.sd.FullName(), m.md.Name()), bytes.NewReader(body))
	hr.Header.Set("Content-Type", ctype)
	hr.Header.Set("Connect-Protocol-Version", "1")
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(hr)
	if err != nil {
		return gwAnswer{broken: err}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	a := gwAnswer{status: res.StatusCode, raw: raw, broken: err}
	if err != nil {
		return a
	}
	errJSON := raw
	if m.md.IsStreamingServer() && res.StatusCode == http.StatusOK {
		errJSON = nil
		for b := raw; len(b) >= 5; {
			flags, n := b[0], int(binary.BigEndian.Uint32(b[1:5]))
			if len(b) < 5+n {
				a.broken = fmt.Errorf("a stream cut inside a message")
				return a
			}
			if flags&2 != 0 {
				var end struct{ Error json.RawMessage }
				_ = json.Unmarshal(b[5:5+n], &end)
				errJSON = end.Error
			}
			b = b[5+n:]
		}
		if errJSON == nil {
			a.code = "ok"
			return a
		}
	} else if res.StatusCode == http.StatusOK {
		a.code = "ok"
		return a
	}
	var wire struct {
		Code, Message string
		Details       []struct{ Type, Value string }
	}
	if json.Unmarshal(errJSON, &wire) != nil {
		a.code = ""
		a.msg = string(errJSON)
		return a
	}
	a.code, a.msg = wire.Code, wire.Message
	for _, d := range wire.Details {
		if d.Type != "google.rpc.BadRequest" {
			continue
		}
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		var br errdetails.BadRequest
		if err != nil || proto.Unmarshal(b, &br) != nil {
			a.code = ""
			a.msg = "undecodable BadRequest detail"
			return a
		}
		for _, v := range br.GetFieldViolations() {
			a.fields = append(a.fields, v.GetField())
			a.descs = append(a.descs, v.GetDescription())
		}
	}
	return a
}
