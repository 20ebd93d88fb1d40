package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/reqgen"
)

// generatedSeed makes TestServiceGenerated's requests; a failure names
// the case number under it, which replays it.
const generatedSeed = 213

// maxRefusalBytes bounds what one InvalidArgument carries (message and
// details): a request of 10,000 bad entries is refused in a few lines,
// not with a violation per entry (grpcx.MaxViolations).
const maxRefusalBytes = 8 << 10

// callerText is text of the implementation and the transport that no
// answer's message or violation may hold, beyond goText: gRPC's own
// wrapping, the decoders' and a file path.
var callerText = []string{"rpc error", "json:", "protojson", "/work/", "/home/", "/usr/", ".go:", "desc =", "grpc:", "transport:"}

// generatedCallers are the three callers of TestServiceGenerated, in
// order: the administrator last, as a change it makes is its right.
var generatedCallers = []string{"no token", "coordinator of B", "admin"}

// TestServiceGenerated sends every RPC of every service (read from the
// registered descriptors) requests made by reqgen from the planted
// records' request (plantedRequest), as no one, as a coordinator of
// another organisation and as an administrator. No answer is Internal,
// Unknown or DataLoss; one without a token is Unauthenticated; an
// InvalidArgument names fields and stays under maxRefusalBytes; no
// message or violation holds Go's or a library's text; the foreign
// coordinator's answers hold no planted personal value and leave every
// planted record as it was (its etag, or its bytes; but guides' records
// in B's municipality, which are B's concern too, inScope); and afterwards
// every service still answers health and no handler panicked (the
// recoverer's log line, which would otherwise pass as Internal).
func TestServiceGenerated(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	logs := &testutil.LogBuffer{}
	cfg.logs = logs
	l, _, _ := startStack(t, cfg)
	ctx := testutil.Context(t)
	plant := plantForSweep(t, ctx, cfg, l)
	s := newSweeper(t, l)
	admin := mint(t, cfg)
	tokens := map[string]string{"no token": "", "admin": admin,
		"coordinator of B": mint(t, cfg, "-role", "coordinator", "-org", plant.orgB, "-municipalities", "0880", "-subject", "gen-b")}
	perCaller := map[string]int{"no token": 3, "coordinator of B": 8, "admin": 8}
	planted := slices.Sorted(maps.Values(plant.ids))
	g := reqgen.New(reqgen.Seed(generatedSeed), reqgen.Options{Cap: grpcx.MaxRepeated, IDs: func(string) []string { return planted }})
	methods := serviceMethods(t)
	slices.SortFunc(methods, func(a, b serviceMethod) int { return strings.Compare(a.path(), b.path()) })

	byService := map[string]map[codes.Code]int{}
	calls := 0
	before := plantedState(t, ctx, s, plant, admin)
	for _, who := range generatedCallers {
		tok := tokens[who]
		for _, m := range methods {
			base := plantedRequest(m, plant, g.UUID(), "gen-"+strings.ReplaceAll(who, " ", "-"))
			for _, c := range g.Cases(m.md.Input(), base, reqgen.Scale(perCaller[who])) {
				calls++
				a := s.call(ctx, m, tok, &c.Wire)
				svc := string(m.md.Parent().Name())
				if byService[svc] == nil {
					byService[svc] = map[codes.Code]int{}
				}
				byService[svc][a.code]++
				where := fmt.Sprintf("%s as %s, case %s (seed %d)", m.path(), who, c.Name, reqgen.Seed(generatedSeed))
				checkGenerated(t, where, who, c.Wire, a, plant)
			}
		}
		if who == "coordinator of B" {
			after := plantedState(t, ctx, s, plant, admin)
			for k, v := range before {
				kind, _, _ := strings.Cut(k, " via ")
				if inScope["guides"][who][kind] {
					continue // the municipality's concern in guides, B's too (inScope)
				}
				if after[k] != v {
					t.Errorf("the planted %s changed under the generated requests of a coordinator of B: %s, then %s", k, v, after[k])
				}
			}
		}
	}
	for part := range servicePackages {
		res, err := healthpb.NewHealthClient(s.conns[servicePackages[part]]).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("%s after the generated requests: %v %v", part, res.GetStatus(), err)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"rpc"`) {
		t.Fatal("no rpc log line captured: a panic's would not be seen either")
	}
	if n := strings.Count(logs.String(), "rpc panic"); n > 0 {
		t.Errorf("%d handler panics recovered under the generated requests:\n%s", n, panicLines(logs.String()))
	}
	for _, svc := range slices.Sorted(maps.Keys(byService)) {
		t.Logf("%s: %v", svc, byService[svc])
	}
	t.Logf("%d generated requests over %d RPCs", calls, len(methods))
}

// checkGenerated judges one answer to a generated request.
func checkGenerated(t *testing.T, where, who string, sent []byte, a answer, plant sweepPlant) {
	t.Helper()
	switch a.code {
	case codes.Internal, codes.Unknown, codes.DataLoss:
		t.Errorf("%s: %v", where, a)
	case codes.InvalidArgument:
		if len(a.violations) == 0 {
			t.Errorf("%s: %v, without a field violation", where, a)
		}
		size := len(a.msg)
		for _, d := range a.details {
			size += len(d)
		}
		if size > maxRefusalBytes {
			t.Errorf("%s: a refusal of %d bytes (%d violations), over %d", where, size, len(a.violations), maxRefusalBytes)
		}
	}
	if who == "no token" && a.code != codes.Unauthenticated {
		t.Errorf("%s: %v, want Unauthenticated", where, a)
	}
	for _, text := range append([]string{a.msg}, a.descs...) {
		low := strings.ToLower(text)
		for _, w := range append(slices.Clone(goText), callerText...) {
			// A refusal may quote what the caller sent: that is not Go's.
			if strings.Contains(low, w) && !bytes.Contains(bytes.ToLower(sent), []byte(w)) {
				t.Errorf("%s: %q holds %q", where, clipText(text), w)
			}
		}
	}
	if who != "coordinator of B" {
		return
	}
	for _, v := range plant.markers {
		if bytes.Contains(a.body, []byte(v)) || strings.Contains(a.msg, v) || strings.Contains(a.meta, v) ||
			strings.Contains(fmt.Sprint(a.details), v) {
			t.Errorf("%s: the answer shows the planted %q", where, v)
		}
	}
}

// plantedState is each planted record's etag as an administrator reads it
// through its witness, or a digest of the answer where it has none (a job's
// stream, a list).
func plantedState(t *testing.T, ctx context.Context, s *sweeper, p sweepPlant, admin string) map[string]string {
	t.Helper()
	byPath := map[string]serviceMethod{}
	for _, m := range serviceMethods(t) {
		byPath[m.path()] = m
	}
	out := map[string]string{}
	for k, body := range plantedRecords(t, ctx, s, p, admin) {
		path := k[strings.Index(k, " via ")+len(" via "):]
		m := byPath[path]
		var tags []string
		if !m.md.IsStreamingServer() {
			msg := dynamicpb.NewMessage(m.md.Output())
			if err := proto.Unmarshal(body, msg); err == nil {
				tags = etags(msg, nil)
			}
		}
		if len(tags) == 0 {
			sum := sha256.Sum256(body)
			tags = []string{fmt.Sprintf("bytes %x", sum[:8])}
		}
		slices.Sort(tags)
		out[k] = strings.Join(tags, ",")
	}
	return out
}

// etags are the values of every field named etag in m and the messages
// it holds, in field order.
func etags(m protoreflect.Message, out []string) []string {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Name() == "etag" && fd.Kind() == protoreflect.StringKind && !fd.IsList():
			out = append(out, v.String())
		case fd.Kind() == protoreflect.MessageKind && fd.IsList():
			for i := range v.List().Len() {
				out = etags(v.List().Get(i).Message(), out)
			}
		case fd.Kind() == protoreflect.MessageKind && !fd.IsMap():
			out = etags(v.Message(), out)
		}
		return true
	})
	return out
}

// panicLines are the recoverer's log lines without their stacks.
func panicLines(logs string) string {
	var out []string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "rpc panic") {
			if i := strings.Index(line, " stack="); i > 0 {
				line = line[:i]
			}
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func clipText(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
