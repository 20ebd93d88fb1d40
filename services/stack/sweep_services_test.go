package main

import (
	"bytes"
	"context"
	"fmt"
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
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/ids"
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
// the field violations and the bytes of every response message.
type answer struct {
	code       codes.Code
	msg        string
	violations []string
	body       []byte
}

func (a answer) String() string {
	return fmt.Sprintf("%s %q %v", a.code, a.msg, a.violations)
}

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
// ("" sends none) and reads at most one response of a stream.
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
	var body []byte
	if m.md.IsStreamingServer() {
		var st grpc.ClientStream
		st, err = s.conns[m.part].NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, m.path(), raw)
		if err == nil {
			if err = st.SendMsg(req); err == nil {
				_ = st.CloseSend()
				var resp []byte
				err = st.RecvMsg(&resp)
				body = resp
			}
		}
		if err == nil {
			// A stream that answered has shown what it shows: the first
			// message is enough, and a job's watch may run on.
			cancel()
		}
	} else {
		var resp []byte
		err = s.conns[m.part].Invoke(ctx, m.path(), req, &resp, raw)
		body = resp
	}
	st := status.Convert(err)
	a := answer{code: st.Code(), msg: st.Message(), body: body}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				a.violations = append(a.violations, v.GetField())
			}
		}
	}
	return a
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
			m.Set(fd, protoreflect.ValueOfString(time.Now().UTC().Format(time.DateOnly)))
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
	key, err := signingKey(cfg)
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
	return map[string]string{"none": "", "garbage": "garbage", "expired": expired, "retired key": retired,
		"forged": forged, "huge": "v1." + strings.Repeat("a", 64<<10)}
}

// sweepPlant is what the access sweep plants in organisation A,
// municipality 0880: a newcomer and a mentor with unique values in every
// personal field, the mentoring job that paired them, and the pair.
type sweepPlant struct {
	orgA, orgB string
	ids        map[string]string // kind -> id
	markers    []string
}

func plantForSweep(t *testing.T, ctx context.Context, cfg Config, l *Listening) sweepPlant {
	t.Helper()
	c := dialClients(t, cfg, l)
	mn := newMarkers(t)
	org := func(name string, munis ...string) string {
		o, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
			Name: name, Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: munis}})
		if err != nil {
			t.Fatal(err)
		}
		return o.GetOrganisation().GetId()
	}
	p := sweepPlant{orgA: org("Sweep A", "0880", "0180"), orgB: org("Sweep B", "0880"), ids: map[string]string{}}
	np, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: mn.participant(p.orgA, 1)})
	if err != nil {
		t.Fatal(err)
	}
	nv, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: mn.volunteer(p.orgA, 1)})
	if err != nil {
		t.Fatal(err)
	}
	pid, vid := np.GetParticipant().GetId(), nv.GetVolunteer().GetId()
	pools := poolsOf(t, l)
	pools.WaitIDs(t, "mentoring_newcomers", []string{pid})
	pools.WaitIDs(t, "mentoring_mentors", []string{vid})
	mc, pair := matchAndApprove(t, ctx, cfg, l, p.orgA, pid, vid)
	jobs, err := mc.ListJobs(ctx, &mentoringv1.ListJobsRequest{})
	if err != nil || len(jobs.GetJobs()) != 1 {
		t.Fatalf("jobs: %v, %v", jobs, err)
	}
	p.ids["participant"], p.ids["volunteer"], p.ids["organisation"] = pid, vid, p.orgA
	p.ids["pair"], p.ids["job"] = pair, jobs.GetJobs()[0].GetId()
	p.markers = mn.all
	return p
}

// openToSignedIn are the RPCs that show a record to any signed-in caller
// by design: an organisation is no person (its name is on the programmes'
// pages of every organisation working with it).
var openToSignedIn = map[string]bool{"/motesplats.volunteers.v1.VolunteerService/GetOrganisation": true}

// unreached are the RPCs that refuse the sweep's requests for their input
// before any record is looked at, and why. Their records are creates (the
// new record has no owner yet: the scope check is the organisation and
// municipality fields, which the gateway's sweeps point at the foreign
// scope) or dinner records, which this sweep does not plant; each is in
// its service's own scope tests.
var unreached = map[string]string{
	"/motesplats.dinners.v1.DinnerService/CreateOffer":                 "a create: needs a whole offer",
	"/motesplats.dinners.v1.DinnerService/UpdateOffer":                 "needs an update mask",
	"/motesplats.dinners.v1.DinnerService/CreateSignUp":                "a create: needs a whole sign-up",
	"/motesplats.dinners.v1.DinnerService/UpdateSignUp":                "needs an update mask",
	"/motesplats.dinners.v1.DinnerService/RecordAttendance":            "needs an attendance list",
	"/motesplats.dinners.v1.DinnerService/RecordFeedback":              "needs a rating",
	"/motesplats.guides.v1.GuideService/GetEligibilityRules":           "names a guide organisation, refused for any other id",
	"/motesplats.guides.v1.GuideService/UpdateEligibilityRules":        "needs whole rules and an etag",
	"/motesplats.notify.v1.NotificationService/ListDeliveries":         "takes a person or a proposal, not both",
	"/motesplats.participants.v1.ParticipantService/CreateParticipant": "a create: needs a whole newcomer",
	"/motesplats.participants.v1.ParticipantService/RecordConsent":     "needs a text version and language",
	"/motesplats.volunteers.v1.VolunteerService/CreateVolunteer":       "a create: needs a whole volunteer",
}

// TestServiceSweep calls every RPC of every service directly, not through
// the gateway (the services are their own wall, ADR 0004): with every
// token a service must refuse (Unauthenticated, for every RPC, before any
// input is judged, bytes that do not decode included); and as an operator, a coordinator of another
// organisation and one of A's organisation in another municipality, with
// each planted record's id in every id field of the request, against an
// id of the same shape that names nothing: the two answers must be the
// same (no oracle) and neither may hold a planted value or the id.
func TestServiceSweep(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	l, _, _ := startStack(t, cfg)
	ctx := testutil.Context(t)
	plant := plantForSweep(t, ctx, cfg, l)
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
	calls, reached := 0, map[string]bool{}
	for name, tok := range refusedTokens(t, cfg) {
		for _, m := range methods {
			calls++
			a := s.call(ctx, m, tok, request(m, plant.ids["participant"], "sweep-refused"))
			if a.code != codes.Unauthenticated {
				t.Errorf("%s with a %s token: %v, want Unauthenticated", m.path(), name, a)
			}
			for _, h := range undecodable[m.path()] {
				calls++
				if a := s.call(ctx, m, tok, &h.body); a.code != codes.Unauthenticated || len(a.violations) != 0 {
					t.Errorf("%s, %s, with a %s token: %v, want Unauthenticated without violations", m.path(), h.name, name, a)
				}
			}
		}
	}

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
	for who, tok := range callers {
		for kind, id := range plant.ids {
			if kind == "organisation" && strings.Contains(who, "of A") {
				continue // A's own organisation, not a foreign record
			}
			for _, m := range methods {
				calls += 2
				lookalike := ids.UUIDv7{}.New()
				rid := fmt.Sprintf("sweep-%s-%d", kind, calls)
				got := s.call(ctx, m, tok, request(m, id, rid))
				if got.code != codes.InvalidArgument && who != "operator" { // an operator is refused first
					reached[m.path()] = true
				}
				if openToSignedIn[m.path()] && kind == "organisation" {
					continue
				}
				want := s.call(ctx, m, tok, request(m, lookalike, rid+"-l"))
				if got.code == codes.Internal || got.code == codes.Unknown || got.code == codes.DeadlineExceeded {
					t.Errorf("%s as %s with the %s's id: %v", m.path(), who, kind, got)
				}
				if strings.ReplaceAll(got.String(), id, "X") != strings.ReplaceAll(want.String(), lookalike, "X") {
					t.Errorf("%s as %s: the %s's id answers %v, an id of nothing %v", m.path(), who, kind, got, want)
				}
				for _, v := range secret {
					if v == id && got.code != codes.OK {
						continue // a refusal may name the id it was given
					}
					if bytes.Contains(got.body, []byte(v)) || strings.Contains(got.msg, v) {
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
	t.Logf("%d calls over %d RPCs", calls, len(methods))
}
