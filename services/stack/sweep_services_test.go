package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/calendar"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// servicePackages are the gRPC APIs the services serve behind the
// gateway, each with the stack part that serves it. The gateway's own
// Connect API is swept by services/gateway/server.
var servicePackages = map[protoreflect.FullName]string{
	"motesplats.participants.v1": "participants", "motesplats.volunteers.v1": "volunteers",
	"motesplats.mentoring.v1": "mentoring", "motesplats.dinners.v1": "dinners",
	"motesplats.guides.v1": "guides", "motesplats.notify.v1": "notify",
}

// serviceMethod is one RPC of a service, with the part that serves it.
type serviceMethod struct {
	part string
	md   protoreflect.MethodDescriptor
}

func (m serviceMethod) path() string {
	return "/" + string(m.md.Parent().FullName()) + "/" + string(m.md.Name())
}

// serviceMethods lists every RPC of every service from the registered
// descriptors, so an RPC added later is swept without a change here.
func serviceMethods(t *testing.T) []serviceMethod {
	t.Helper()
	var out []serviceMethod
	for pkg, part := range servicePackages {
		protoregistry.GlobalFiles.RangeFilesByPackage(pkg, func(fd protoreflect.FileDescriptor) bool {
			for i := range fd.Services().Len() {
				sd := fd.Services().Get(i)
				for j := range sd.Methods().Len() {
					out = append(out, serviceMethod{part, sd.Methods().Get(j)})
				}
			}
			return true
		})
	}
	// 8 + 11 + 16 + 26 + 18 + 5 RPCs when this was written.
	if len(out) < 84 {
		t.Fatalf("found only %d service RPCs: a descriptor is not registered", len(out))
	}
	return out
}

// answer is what a caller learns from one call: the code, the message,
// the field violations, every detail, the response headers and trailers
// (as sent: their sizes are compared by class), and the bytes of every
// response message, all of a stream's.
type answer struct {
	code       codes.Code
	msg        string
	violations []string
	descs      []string // the violations' descriptions, as sent
	details    []string
	meta       string
	body       []byte
	messages   int
	open       bool // a stream still sending after maxStreamMessages
}

func (a answer) String() string {
	return fmt.Sprintf("%s %q %v", a.code, a.msg, a.violations)
}

// norm is everything a caller can compare between two answers, with id
// written as X: the code, the message, the violations, every detail,
// the messages' bytes, their number and the size class (32 bytes) of the headers and
// trailers, so an answer about a planted record and one about nothing
// differ here exactly when the caller could tell them apart.
// Without withBody the messages' bytes are left out (ownRecords).
func (a answer) norm(id string, withBody bool) string {
	x := func(s string) string { return strings.ReplaceAll(s, id, "X") }
	body := sha256.Sum256([]byte(x(string(a.body))))
	if !withBody {
		body = [32]byte{}
	}
	return x(fmt.Sprintf("%s %q %v %q %d msgs (body %x), open %t, metadata class %d", a.code, a.msg, a.violations, a.details,
		a.messages, body[:6], a.open, len(x(a.meta))/32))
}

// maxStreamMessages bounds a stream's read: no sweep caller may see a
// record's job, so a stream that sends this many is reported, not read on.
const maxStreamMessages = 20

// rawCodec sends a request's bytes exactly as given and hands back a
// response's bytes undecoded, so a sweep can send what no generated
// client would and search what comes back as it came.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

// sweeper calls the stack's services directly, as any program on the
// network could, with the token it is given.
type sweeper struct {
	conns map[string]*grpc.ClientConn
}

func newSweeper(t *testing.T, l *Listening) *sweeper {
	t.Helper()
	s := &sweeper{conns: map[string]*grpc.ClientConn{}}
	for _, part := range servicePackages {
		conn, err := grpcx.Dial(l.Addr(part))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		s.conns[part] = conn
	}
	return s
}

// call sends req (a message, or *[]byte sent as it is) to m under tok
// ("" sends none) and reads a stream to its end (at most
// maxStreamMessages, within the call's 10 s).
func (s *sweeper) call(ctx context.Context, m serviceMethod, tok string, req any) answer {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if tok != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	}
	if r, ok := req.(proto.Message); ok {
		b, err := proto.Marshal(r)
		if err != nil {
			return answer{code: codes.Unknown, msg: "marshal: " + err.Error()}
		}
		req = &b
	}
	raw := grpc.ForceCodecV2(rawCodec{})
	var err error
	var a answer
	var header, trailer metadata.MD
	if m.md.IsStreamingServer() {
		var st grpc.ClientStream
		st, err = s.conns[m.part].NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, m.path(), raw)
		if err == nil {
			if err = st.SendMsg(req); err == nil {
				_ = st.CloseSend()
				for {
					var resp []byte
					if err = st.RecvMsg(&resp); err != nil {
						break
					}
					a.body = append(a.body, resp...)
					if a.messages++; a.messages == maxStreamMessages {
						a.open = true
						break
					}
				}
				if errors.Is(err, io.EOF) {
					err = nil
				}
			}
			header, _ = st.Header()
			trailer = st.Trailer()
		}
	} else {
		var resp []byte
		err = s.conns[m.part].Invoke(ctx, m.path(), req, &resp, raw, grpc.Header(&header), grpc.Trailer(&trailer))
		a.body = resp
		if err == nil {
			a.messages = 1
		}
	}
	st := status.Convert(err)
	a.code, a.msg = st.Code(), st.Message()
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				a.violations = append(a.violations, v.GetField())
				a.descs = append(a.descs, v.GetDescription())
			}
		}
		if pm, ok := d.(proto.Message); ok {
			b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(pm)
			a.details = append(a.details, string(pm.ProtoReflect().Descriptor().FullName())+":"+string(b))
		} else {
			a.details = append(a.details, fmt.Sprint(d))
		}
	}
	a.meta = metaText(header) + metaText(trailer)
	return a
}

// metaText is md as it travels, keys sorted.
func metaText(md metadata.MD) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(md)) {
		for _, v := range md[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}

// fill sets every id field of m (a field named id or ending in _id, and
// the entries of those ending in _ids), in m and the messages it holds,
// to id, a request id where there is one, every enum to its first value
// and a date to today, so a call reaches the record the id names. Other
// fields keep their zero value.
func fill(m protoreflect.Message, id, requestID string, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		name := string(fd.Name())
		switch {
		case fd.Kind() == protoreflect.StringKind && fd.IsList() && strings.HasSuffix(name, "_ids"):
			l := m.Mutable(fd).List()
			l.Append(protoreflect.ValueOfString(id))
		case fd.Kind() == protoreflect.StringKind && !fd.IsList() && (name == "request_id"):
			m.Set(fd, protoreflect.ValueOfString(requestID))
		case fd.Kind() == protoreflect.StringKind && !fd.IsList() && (name == "id" || strings.HasSuffix(name, "_id")):
			if fd.ContainingOneof() == nil || !m.Has(fd) {
				m.Set(fd, protoreflect.ValueOfString(id))
			}
		case fd.Kind() == protoreflect.EnumKind && !fd.IsList() && fd.Enum().Values().Len() > 1:
			// The first value after UNSPECIFIED: a party, a reason, a
			// purpose, so a change is judged on its record, not refused
			// for a missing enum.
			m.Set(fd, protoreflect.ValueOfEnum(fd.Enum().Values().Get(1).Number()))
		case fd.Kind() == protoreflect.StringKind && !fd.IsList() && name == "date":
			m.Set(fd, protoreflect.ValueOfString(calendar.Today(time.Now())))
		case fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() && depth < 2 &&
			!strings.HasPrefix(string(fd.Message().FullName()), "google."):
			fill(m.Mutable(fd).Message(), id, requestID, depth+1)
		}
	}
}

// request is m's input message with every id field at id.
func request(m serviceMethod, id, requestID string) *dynamicpb.Message {
	req := dynamicpb.NewMessage(m.md.Input())
	fill(req, id, requestID, 0)
	return req
}

func mint(t *testing.T, cfg Config, args ...string) string {
	t.Helper()
	var b bytes.Buffer
	if err := token(cfg, args, &b); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

// refusedTokens are tokens no service may take: none, not a token, past
// its end, signed by a key the services do not know (a retired key), and
// the stack's key id over another key's signature (a forgery).
func refusedTokens(t *testing.T, cfg Config) map[string]string {
	t.Helper()
	key, err := readKey(cfg.SigningKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	admin := auth.Claims{Subject: "local-admin", Role: auth.RoleAdmin}
	past := func() time.Time { return time.Now().Add(-2 * time.Hour) }
	expired, err := auth.NewSigner(key, localKeyID, past).Sign(admin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	retired, err := auth.NewSigner(other, "retired", time.Now).Sign(admin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := auth.NewSigner(other, localKeyID, time.Now).Sign(admin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]string{"none": "", "garbage": "garbage", "expired": expired, "retired key": retired,
		"forged": forged, "huge": "v1." + strings.Repeat("a", 64<<10)}
	// Claims a key may not sign (ADR 0210): notify's key as a person or as
	// another service, the gateway's key as notify, the operators' key as
	// any service (ADR 0217). Each in the words of any bad token.
	notify, err := readKey(cfg.NotifyKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	operator, err := readKey(cfg.OperatorKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		key ed25519.PrivateKey
		kid string
		c   auth.Claims
	}{
		"notify's key as an admin":              {notify, notifyKeyID, admin},
		"notify's key as a coordinator":         {notify, notifyKeyID, auth.Claims{Subject: "x", Role: auth.RoleCoordinator, Organisation: "o", Municipalities: []string{"0180"}}},
		"notify's key as an operator":           {notify, notifyKeyID, auth.Claims{Subject: "x", Role: auth.RoleOperator}},
		"a service token of the wrong service":  {notify, notifyKeyID, auth.Claims{Subject: "mentoring", Role: auth.RoleService}},
		"notify's key as the gateway's service": {notify, notifyKeyID, auth.Claims{Subject: auth.GatewaySubject, Role: auth.RoleService}},
		"the gateway's key as notify's service": {key, localKeyID, auth.Claims{Subject: auth.NotifySubject, Role: auth.RoleService}},
		"the operators' key as the gateway's service": {operator, operatorKeyID,
			auth.Claims{Subject: auth.GatewaySubject, Role: auth.RoleService, Issuer: auth.GatewaySubject}},
		"the operators' key as notify's service": {operator, operatorKeyID, auth.Claims{Subject: auth.NotifySubject, Role: auth.RoleService}},
		"the operators' key as notify-link":      {operator, operatorKeyID, auth.Claims{Subject: auth.AnswerLinkSubject, Role: auth.RoleService}},
		"the operators' key as mentoring":        {operator, operatorKeyID, auth.Claims{Subject: "mentoring", Role: auth.RoleService}},
	} {
		if refused[name], err = auth.NewSigner(tc.key, tc.kid, time.Now).Sign(tc.c, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	return refused
}

// openToSignedIn are the RPCs that show a record to any signed-in caller
// by design: an organisation is no person (its name is on the programmes'
// pages of every organisation working with it).
var openToSignedIn = map[string]bool{"/motesplats.volunteers.v1.VolunteerService/GetOrganisation": true,
	"/motesplats.volunteers.v1.VolunteerService/ListOrganisations": true,
	"/motesplats.guides.v1.GuideService/ListGuideOrganisations":    true} // to coordinators: where guides have places

// ownRecords are the RPCs whose answers a sweep caller makes differ by
// itself: guides starts a job of A2's own in 0180 on every call (a guides
// job names no organisation), and lists the jobs it started. Their
// bytes are searched for planted values but not compared.
var ownRecords = map[string]bool{"/motesplats.guides.v1.GuideService/StartAssignmentJob": true,
	"/motesplats.guides.v1.GuideService/ListJobs": true}

// unreached are the RPCs that refuse the sweep's requests for their input
// before any record is looked at, and why. Their records are creates (the
// new record has no owner yet: the scope check is the organisation and
// municipality fields, which the gateway's sweeps point at the foreign
// scope), a consent, or guides' eligibility rules; each is in its
// service's own scope tests.
var unreached = map[string]string{
	"/motesplats.dinners.v1.DinnerService/CreateOffer":                 "a create: needs a whole offer",
	"/motesplats.dinners.v1.DinnerService/CreateSignUp":                "a create: needs a whole sign-up",
	"/motesplats.guides.v1.GuideService/GetEligibilityRules":           "names a guide organisation, refused for any other id",
	"/motesplats.guides.v1.GuideService/UpdateEligibilityRules":        "needs whole rules and an etag",
	"/motesplats.participants.v1.ParticipantService/CreateParticipant": "a create: needs a whole newcomer",
	"/motesplats.participants.v1.ParticipantService/RecordConsent":     "needs a text version and language",
	"/motesplats.volunteers.v1.VolunteerService/CreateVolunteer":       "a create: needs a whole volunteer",
}

// TestServiceSweep calls every RPC of every service directly, not through
// the gateway (the services are their own wall, ADR 0004): with every
// token a service must refuse (Unauthenticated, for every RPC, before any
// input is judged, bytes that do not decode included); and as an operator, a coordinator of another
// organisation and one of A's organisation in another municipality, with
// each planted record's id in every id field of the request (witness shows
// each exists), against an id of the same shape that names nothing: the
// two answers must be the same (answer.norm: no oracle, streams read to
// their end) and neither may hold a planted value or the id (ADR 0179,
// 0189).
func TestServiceSweep(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	l, _, _ := startStack(t, cfg)
	ctx := testutil.Context(t)
	plant := plantForSweep(t, ctx, cfg, l)
	if got := slices.Sorted(maps.Keys(plant.ids)); !slices.Equal(got, slices.Sorted(slices.Values(plantedKinds))) {
		t.Fatalf("planted %v, want plantedKinds %v", got, plantedKinds)
	}
	s := newSweeper(t, l)
	methods := serviceMethods(t)

	// Bytes a service cannot decode are refused for the token too, before
	// they are judged (ADR 0183): the request cut short, and one with a
	// string field that is not UTF-8 where the method has one.
	undecodable := map[string][]hostile{}
	for _, m := range methods {
		k := 0
		for _, h := range hostileFor(m, request(m, plant.ids["participant"], "sweep-refused"), "", "") {
			if h.name == "cut short" || (k < 2 && strings.HasSuffix(h.name, ": not UTF-8")) {
				undecodable[m.path()] = append(undecodable[m.path()], h)
				k++
			}
		}
	}
	calls, reached := map[string]int{}, map[string]bool{}
	for name, tok := range refusedTokens(t, cfg) {
		for _, m := range methods {
			calls["refused token: "+name]++
			a := s.call(ctx, m, tok, request(m, plant.ids["participant"], "sweep-refused"))
			if a.code != codes.Unauthenticated {
				t.Errorf("%s with a %s token: %v, want Unauthenticated", m.path(), name, a)
			}
			for _, h := range undecodable[m.path()] {
				calls["refused token: "+name]++
				if a := s.call(ctx, m, tok, &h.body); a.code != codes.Unauthenticated || len(a.violations) != 0 {
					t.Errorf("%s, %s, with a %s token: %v, want Unauthenticated without violations", m.path(), h.name, name, a)
				}
			}
		}
	}
	calls["witness: A's own"] = witness(t, ctx, cfg, s, plant, methods)
	calls["service callers"] = sweepServiceCallers(t, ctx, cfg, s, plant, methods)

	callers := map[string]string{
		"operator":             mint(t, cfg, "-role", "operator", "-subject", "sweep-operator"),
		"coordinator of B":     mint(t, cfg, "-role", "coordinator", "-org", plant.orgB, "-municipalities", "0880", "-subject", "sweep-b"),
		"coordinator of A2":    mint(t, cfg, "-role", "coordinator", "-org", plant.orgA, "-municipalities", "0180", "-subject", "sweep-a2"),
		"coordinator of B, A2": mint(t, cfg, "-role", "coordinator", "-org", plant.orgB, "-municipalities", "0180,0880", "-subject", "sweep-b2"),
	}
	secret := append([]string{}, plant.markers...)
	for _, id := range plant.ids {
		if id != plant.orgA {
			secret = append(secret, id)
		}
	}
	took := timings{}
	type nothingKey struct{ who, path, field string }
	nothing := map[nothingKey]struct {
		id string
		a  answer
	}{}
	for who, tok := range callers {
		for kind, id := range plant.ids {
			if kind == "organisation" && strings.Contains(who, "of A") {
				continue // A's own organisation, not a foreign record
			}
			for _, m := range methods {
				if programmeKinds[kind] && !programmeParts[m.part] || inScope[m.part][who][kind] {
					continue
				}
				calls[who]++
				rid := fmt.Sprintf("sweep-%s-%d", strings.ReplaceAll(kind, " ", "-"), calls[who])
				began := time.Now()
				got := s.call(ctx, m, tok, sweepRequest(m, kind, id, rid))
				took.add(m.path(), true, time.Since(began))
				if got.code != codes.InvalidArgument && who != "operator" { // an operator is refused first
					reached[m.path()] = true
				}
				if openToSignedIn[m.path()] && kind == "organisation" {
					continue
				}
				// The answer for an id of nothing depends on the caller and
				// the RPC alone (and which field idChoice fills): asked once.
				key := nothingKey{who, m.path(), ""}
				if choose := idChoice[m.path()]; choose != nil {
					key.field = choose(kind)
				}
				n, ok := nothing[key]
				if !ok {
					calls[who]++
					n.id = ids.UUIDv7{}.New()
					began := time.Now()
					n.a = s.call(ctx, m, tok, sweepRequest(m, kind, n.id, rid+"-l"))
					took.add(m.path(), false, time.Since(began))
					nothing[key] = n
				}
				want, lookalike := n.a, n.id
				if got.code == codes.Internal || got.code == codes.Unknown || got.code == codes.DeadlineExceeded || got.open {
					t.Errorf("%s as %s with the %s's id: %v (%d messages, open %t)", m.path(), who, kind, got, got.messages, got.open)
				}
				if g, w := got.norm(id, !ownRecords[m.path()]), want.norm(lookalike, !ownRecords[m.path()]); g != w {
					t.Errorf("%s as %s: the %s's id answers %s, an id of nothing %s", m.path(), who, kind, g, w)
				}
				for _, v := range secret {
					if v == id && got.code != codes.OK {
						continue // a refusal may name the id it was given
					}
					if seen := inScope[m.part][who]; seen != nil && slices.ContainsFunc(slices.Collect(maps.Keys(seen)),
						func(k string) bool { return plant.ids[k] == v }) {
						continue // a record the caller may see there
					}
					if bytes.Contains(got.body, []byte(v)) || strings.Contains(got.msg, v) ||
						strings.Contains(got.meta, v) || strings.Contains(fmt.Sprint(got.details), v) {
						t.Errorf("%s as %s with the %s's id shows %s", m.path(), who, kind, v)
					}
				}
			}
		}
	}
	for _, m := range methods {
		switch why, known := unreached[m.path()]; {
		case !reached[m.path()] && !known:
			t.Errorf("%s was refused for its input in every call: fill the request so it reaches a record, or list it in unreached", m.path())
		case reached[m.path()] && known:
			t.Errorf("%s is reached now (%s): take it out of unreached", m.path(), why)
		}
	}
	total := 0
	for _, n := range calls {
		total += n
	}
	t.Logf("%d calls over %d RPCs, %d planted kinds; per caller: %v", total, len(methods), len(plant.ids), calls)
	t.Logf("time of a planted id against an id of nothing, slowest ratios of medians: %s", took.worst(5))
}

// sweepServiceCallers calls every RPC with notify's own service tokens,
// signed with its own key (ADR 0210): as notify and as notify-link, a
// service token of another service than the method takes, each RPC the
// table (service.Callers) does not list for it is PermissionDenied with
// the one message, before its input or records are looked at; one it
// lists is neither PermissionDenied nor Unauthenticated. It returns the
// calls made.
func sweepServiceCallers(t *testing.T, ctx context.Context, cfg Config, s *sweeper, plant sweepPlant, methods []serviceMethod) int {
	t.Helper()
	key, err := readKey(cfg.NotifyKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	table, n := service.Callers(), 0
	refused := map[string]int{}
	for _, sub := range []string{auth.NotifySubject, auth.AnswerLinkSubject} {
		tok, err := auth.NewSigner(key, notifyKeyID, time.Now).Sign(auth.Claims{Subject: sub, Role: auth.RoleService, Issuer: "notify"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range methods {
			n++
			a := s.call(ctx, m, tok, request(m, plant.ids["participant"], "sweep-callers"))
			listed := slices.Contains(table[m.path()], sub)
			switch {
			case !listed && (a.code != codes.PermissionDenied || a.msg != auth.MsgServiceNotAllowed || len(a.violations) != 0):
				t.Errorf("%s as %s, which it does not list: %v, want PermissionDenied %q", m.path(), sub, a, auth.MsgServiceNotAllowed)
			case listed && (a.code == codes.PermissionDenied || a.code == codes.Unauthenticated):
				t.Errorf("%s as %s, which it lists: %v", m.path(), sub, a)
			case !listed:
				refused[sub]++
			}
		}
	}
	if refused[auth.NotifySubject] < len(methods)/2 || refused[auth.AnswerLinkSubject] < len(methods)/2 {
		t.Errorf("refused notify %d and notify-link %d of %d RPCs: the table lets them call most", refused[auth.NotifySubject],
			refused[auth.AnswerLinkSubject], len(methods))
	}
	return n
}
