package store_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

func factsEvent(t *testing.T, id string, f *facts) *eventsv1.Envelope {
	t.Helper()
	payload, err := anypb.New(&eventsv1.ParticipantRegistered{Facts: f})
	if err != nil {
		t.Fatal(err)
	}
	return &eventsv1.Envelope{Id: ids.UUIDv7{}.New(), Type: "test.person.registered", SubjectId: id, Payload: payload}
}

// rawRecord reads the entry as stored, without the repository.
func rawRecord(t *testing.T, kv jetstream.KeyValue, key string) []byte {
	t.Helper()
	e, err := kv.Get(testutil.Context(t), key)
	if err != nil {
		t.Fatalf("raw get %s: %v", key, err)
	}
	return e.Value()
}

func TestRepo_SealedRecordsAndEvents(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	kr := sealtest.Keyring(t, n.JS)
	pub := &jsPublisher{js: n.JS}
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Keyring, c.Publisher = kr, pub })
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}

	const id = "person-1"
	v1 := &facts{ParticipantId: id, MunicipalityCode: "0180", Interests: []string{"marker-first"}}
	if _, err := r.Create(ctx, id, v1, factsEvent(t, id, v1)); err != nil {
		t.Fatal(err)
	}
	first := rawRecord(t, kv, id)
	if _, _, err := r.Update(ctx, id, func(f *facts, _ uint64) (store.Change, error) {
		f.Interests = []string{"marker-second"}
		return store.Change{factsEvent(t, id, f)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	second := rawRecord(t, kv, id)
	for _, raw := range [][]byte{first, second} {
		if bytes.Contains(raw, []byte("marker-")) {
			t.Fatal("a stored revision holds the record in clear")
		}
	}
	got, _, err := r.Get(ctx, id)
	if err != nil || got.GetInterests()[0] != "marker-second" {
		t.Fatalf("get = %v, %v", got, err)
	}
	if p, ok := r.Lookup(id); !ok || p.GetInterests()[0] != "marker-second" {
		t.Errorf("index = %v, %v", p, ok)
	}
	// The published events carry the facts sealed, and open with the key.
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		info, err := s.Info(ctx)
		if err != nil || info.State.Msgs != 2 {
			return fmt.Errorf("events in stream: %v, %v", info, err)
		}
		return nil
	})
	for seq := uint64(1); seq <= 2; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(m.Data, []byte("marker-")) {
			t.Fatalf("event %d carries the facts in clear", seq)
		}
		var env eventsv1.Envelope
		if err := proto.Unmarshal(m.Data, &env); err != nil {
			t.Fatal(err)
		}
		if err := seal.OpenEnvelope(ctx, kr, &env); err != nil {
			t.Fatalf("open event %d: %v", seq, err)
		}
	}

	// Erasure shreds the key: no revision written before opens any more.
	if err := r.Remove(ctx, id, true, event(t, "test.person.erased", id)); err != nil {
		t.Fatal(err)
	}
	for i, raw := range [][]byte{first, second} {
		var rec storev1.Record
		if err := proto.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		_, err := kr.Open(ctx, rec.GetSubject(), rec.GetSealedData(), []byte("motesplats/record/v1\x00people\x00"+id))
		if !seal.IsShredded(err) {
			t.Errorf("revision %d after erasure: err = %v, want ErrShredded", i+1, err)
		}
	}
	// The erased event itself stays readable: it carries the id only.
	m, err := s.GetLastMsgForSubject(ctx, "test.person.erased")
	if err != nil {
		t.Fatal(err)
	}
	var env eventsv1.Envelope
	if err := proto.Unmarshal(m.Data, &env); err != nil || env.GetPayload() == nil {
		t.Errorf("erased event = %v, %v; want its payload in clear", &env, err)
	}
	// The id is never usable again.
	if _, err := r.Create(ctx, id, v1); apperr.ErrorCode(err) != apperr.AlreadyExists {
		t.Errorf("create over an erased id: err = %v, want AlreadyExists", err)
	}
}

// TestRepo_ShreddedElsewhere is the mentoring pool's case: its copy of a
// person is sealed with their key, which their own service shreds.
func TestRepo_ShreddedElsewhere(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	gone := func(_ string, f *facts) string { // tombstones hold ids only
		if f.GetParticipantId() == "" {
			return ""
		}
		return f.GetParticipantId()
	}
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Keyring, c.Subject = kr, gone })
	const id = "person-2"
	if _, err := r.Create(ctx, id, &facts{ParticipantId: id, MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	if err := kr.Shred(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Get(ctx, id); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("get after shred: err = %v, want NotFound", err)
	}
	// fn sees an empty record and can write a tombstone (in clear).
	v, _, err := r.Update(ctx, id, func(f *facts, _ uint64) (store.Change, error) {
		if f.GetParticipantId() != "" {
			return nil, fmt.Errorf("fn got %v, want an empty record", f)
		}
		f.MunicipalityCode = "gone"
		return nil, nil
	})
	if err != nil || v.GetMunicipalityCode() != "gone" {
		t.Fatalf("tombstone over a shredded record = %v, %v", v, err)
	}
	if got, _, err := r.Get(ctx, id); err != nil || got.GetMunicipalityCode() != "gone" {
		t.Errorf("tombstone = %v, %v", got, err)
	}
}

// TestRepo_RelayContinuesWriteTrace: an event left in the outbox by a
// crash is published by the relay inside the trace of the write.
func TestRepo_RelayContinuesWriteTrace(t *testing.T) {
	// Not parallel: it sets the global propagator, as telemetry.Setup does.
	otel.SetTextMapPropagator(propagation.TraceContext{})
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	mustStream(t, n.JS)
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	pub := events.NewPublisher(n.JS, events.WithTracerProvider(tp), events.WithPropagator(propagation.TraceContext{}))
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = pub
		c.RelayInterval, c.RelayGrace = 20*time.Millisecond, 20*time.Millisecond
		c.Hooks = &store.Hooks{AfterWrite: func(string) error { return fmt.Errorf("crash") }}
	})
	wctx, span := tp.Tracer("test").Start(ctx, "write")
	const id = "person-3"
	v := &facts{ParticipantId: id}
	if _, err := r.Create(wctx, id, v, factsEvent(t, id, v)); err != nil {
		t.Fatal(err)
	}
	span.End()
	want := span.SpanContext().TraceID()
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		for _, s := range spans.GetSpans() {
			if s.Name == "publish test.person.registered" {
				if s.SpanContext.TraceID() != want {
					return fmt.Errorf("relay published in trace %s, want the write's %s", s.SpanContext.TraceID(), want)
				}
				return nil
			}
		}
		return fmt.Errorf("no publish span yet")
	})
}

// BenchmarkRepo_Sealing compares a create and a bucket read of a typical
// 1.6 kB record in clear and sealed, in the same run: sealing adds one
// encryption per write (plus, for a new person, creating their key) and
// one decryption per read from the bucket. Reads served from the index or
// a cache hold decoded records and pay nothing.
func BenchmarkRepo_Sealing(b *testing.B) {
	n := testutil.MustNATS(b)
	kr := sealtest.Keyring(b, n.JS)
	record := &facts{MunicipalityCode: "0180", Interests: benchInterests()}
	for _, mode := range []string{"clear", "sealed"} {
		cfg := store.Config[*facts]{Bucket: "bench_" + mode, New: func() *facts { return &facts{} }}
		if mode == "sealed" {
			cfg.Keyring = kr
		}
		benchWrites(b, n, mode, cfg, "p1", record)
	}
}

// benchInterests is a typical record's 40 interest tags (about 1.6 kB).
func benchInterests() []string {
	interests := make([]string, 40)
	for i := range interests {
		interests[i] = fmt.Sprintf("interest-number-%02d-abcdefghij", i)
	}
	return interests
}

// benchWrites opens cfg's repo on n with record stored under key, then times a
// create of a new record (create_<mode>; the writer's index entry is
// decoded from the encoding it sealed, not from the stored entry opened
// again, ADR 0151), an update of key (update_<mode>) and a read of key
// from the bucket (get_<mode>), each reporting its allocations.
func benchWrites(b *testing.B, n *testutil.NATS, mode string, cfg store.Config[*facts], key string, record *facts) {
	b.Helper()
	ctx := testutil.Context(b)
	r, err := store.Open(ctx, n.JS, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	if _, err := r.Create(ctx, key, record); err != nil {
		b.Fatal(err)
	}
	b.Run("create_"+mode, func(b *testing.B) {
		src := ids.UUIDv7{}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Create(ctx, src.New(), record); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("update_"+mode, func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, _, err := r.Update(ctx, key, func(f *facts, _ uint64) (store.Change, error) {
				f.MunicipalityCode = fmt.Sprintf("%04d", i%10000)
				return nil, nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get_"+mode, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := r.Get(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestRepo_PurgeOfAnotherKeyKeepsThePerson: purging a record about a
// person kept under another key (a seating, sealed with its guest's key,
// erased with its host) leaves the person's key alone; purging the record
// keyed by the person is their erasure and shreds it. Before, erasing a
// host shredded the key of every guest seated with them (ADR 0159).
func TestRepo_PurgeOfAnotherKeyKeepsThePerson(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	mustStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Keyring, c.Publisher = kr, &jsPublisher{js: n.JS}
		c.Subject = func(_ string, f *facts) string { return f.GetParticipantId() }
	})
	const guest = "guest-1"
	for _, key := range []string{guest, "seat-1"} {
		if _, err := r.Create(ctx, key, &facts{ParticipantId: guest, MunicipalityCode: "0180"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Remove(ctx, "seat-1", true, event(t, "test.seating.erased", "seat-1")); err != nil {
		t.Fatal(err)
	}
	if got, _, err := r.Get(ctx, guest); err != nil || got.GetMunicipalityCode() != "0180" {
		t.Fatalf("the guest after a seating of theirs was purged: %v, %v", got, err)
	}
	if err := r.Remove(ctx, guest, true, event(t, "test.person.erased", guest)); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Seal(ctx, guest, []byte("x"), nil); !seal.IsShredded(err) {
		t.Errorf("seal for the guest after their own record's purge: err = %v, want ErrShredded", err)
	}
}
