package server_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/calendar"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/mentoring/internal/pairs"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// entries records every entry written to the pairs bucket, caught as it is
// written: a later revision or a purge takes older ones out of the stream,
// but their bytes may stay in its blocks (and in backups) until compaction.
type entries struct {
	js   jetstream.JetStream
	mu   sync.Mutex
	msgs []*nats.Msg
}

func captureEntries(t *testing.T, e *env) *entries {
	t.Helper()
	c := &entries{js: e.nats.JS}
	sub, err := e.nats.JS.Conn().Subscribe("$KV."+pairs.PairBucket+".>", func(m *nats.Msg) {
		c.mu.Lock()
		c.msgs = append(c.msgs, m)
		c.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := e.nats.JS.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	return c
}

// of returns the raw entries of pair id and their records (removals and
// purges left out).
func (c *entries) of(t *testing.T, id string) (raw [][]byte, recs []*storev1.Record) {
	t.Helper()
	c.caughtUp(t, id)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs {
		if m.Subject != "$KV."+pairs.PairBucket+"."+id || len(m.Data) == 0 {
			continue
		}
		var rec storev1.Record
		if err := proto.Unmarshal(m.Data, &rec); err != nil {
			t.Fatalf("entry of %s: %v", id, err)
		}
		if rec.GetRemoved() {
			continue
		}
		raw, recs = append(raw, m.Data), append(recs, &rec)
	}
	return raw, recs
}

// caughtUp waits until the subscription has caught the key's current
// entry: the write's acknowledgement reaches the writer before the
// server's copy reaches this other connection's callback, and reading
// before it missed the check-in's entry now and then.
func (c *entries) caughtUp(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := c.js.KeyValue(ctx, pairs.PairBucket)
	if err != nil {
		t.Fatal(err)
	}
	last, err := kv.Get(ctx, id)
	if err != nil {
		return // removed or purged: its last entry holds nothing to search
	}
	for {
		c.mu.Lock()
		seen := slices.ContainsFunc(c.msgs, func(m *nats.Msg) bool { return bytes.Equal(m.Data, last.Value()) })
		c.mu.Unlock()
		if seen {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the entry of %s at revision %d was never caught", id, last.Revision())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// opened is what an operator with the KEK and the data keys left opens of
// a pair's record: the part under the newcomer's key, and the part under
// both keys when both still open it (nil for a part that does not open).
func opened(ctx context.Context, kr *seal.Keyring, id string, rec *storev1.Record) (rest, named []byte) {
	rest, _ = kr.Open(ctx, rec.GetSubject(), rec.GetSealedData(), []byte("motesplats/record/v1\x00"+pairs.PairBucket+"\x00"+id))
	if len(rec.GetSealedNamed()) == 0 {
		return rest, nil
	}
	aad := []byte("motesplats/record-named/v1\x00" + pairs.PairBucket + "\x00" + id + "\x00" + rec.GetNamedSubject())
	if inner, err := kr.Open(ctx, rec.GetSubject(), rec.GetSealedNamed(), aad); err == nil {
		named, _ = kr.Open(ctx, rec.GetNamedSubject(), inner, aad)
	}
	return rest, named
}

func encode(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// facts are the encodings of what a pair holds of its two people, as
// they appear in a pair's bytes in clear: the newcomer's gender and
// language, a part of the score, and a check-in (its date and that the
// two met; its request id).
func facts(t *testing.T, p *pb.Pair) map[string][]byte {
	t.Helper()
	if p.GetParticipantGender() == 0 || p.GetParticipantLanguage() == "" || len(p.GetScoreParts()) == 0 || len(p.GetCheckIns()) == 0 {
		t.Fatalf("pair %s lacks the facts the test looks for: %v", p.GetId(), p)
	}
	ci := p.GetCheckIns()[0]
	return map[string][]byte{
		// The gender's three bytes alone also read as a length prefix
		// before a sealed value: with the language beside it (fields 28
		// and 29 are written together) they cannot.
		"gender and language": encode(t, &pb.Pair{ParticipantGender: p.GetParticipantGender(), ParticipantLanguage: p.GetParticipantLanguage()}),
		"language":            encode(t, &pb.Pair{ParticipantLanguage: p.GetParticipantLanguage()}),
		"score part":          encode(t, p.GetScoreParts()[0]),
		"check-in":            encode(t, &pb.CheckIn{Date: ci.GetDate(), Met: ci.GetMet()}),
		"request id":          []byte(ci.GetRequestId()),
	}
}

// found names the facts held in clear by any of raw.
func found(fs map[string][]byte, raw [][]byte) []string {
	var out []string
	for name, f := range fs {
		for _, r := range raw {
			if bytes.Contains(r, f) {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// activePairs runs a job over a small population and makes active, with
// one check-in each, two of its pairs with different newcomers and
// mentors; it returns them as read after the check-in.
func activePairs(ctx context.Context, t *testing.T, e *env) [2]*pb.Pair {
	t.Helper()
	e.seed(ctx, population(11, 12, 6))
	c := e.as(admin)
	job := e.runJob(ctx, c, "seal")
	var out [2]*pb.Pair
	n := 0
	mentors := map[string]bool{}
	for _, p := range pairsOf(ctx, t, c, job.GetId()) {
		if n < 2 && !mentors[p.GetVolunteerId()] {
			mentors[p.GetVolunteerId()] = true
			activate(ctx, t, c, p.GetId())
			res, err := c.RecordCheckIn(ctx, &pb.RecordCheckInRequest{Id: p.GetId(), CheckIn: &pb.CheckIn{
				Date: calendar.Today(e.clock.Now()), Met: true, Rating: pb.CheckInRating_CHECK_IN_RATING_GOOD,
				RequestId: "checkin-" + strings.ReplaceAll(p.GetId(), "-", "")}})
			if err != nil {
				t.Fatalf("check-in: %v", err)
			}
			out[n] = res.GetPair()
			n++
		}
	}
	if n < 2 {
		t.Fatalf("only %d pairs with distinct mentors", n)
	}
	return out
}

// TestPairSealedOnDisk (ADR 0162): no entry of a pair, in any revision,
// holds the newcomer's gender or language, the score's parts or a
// check-in in clear; the control without a keyring finds each of them in
// the same bytes.
func TestPairSealedOnDisk(t *testing.T) {
	t.Parallel()
	for _, sealed := range []bool{true, false} {
		name := map[bool]string{true: "sealed", false: "unsealed control"}[sealed]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := startEnvSealed(t, 1, server.Options{}, sealed)
			ctx := testutil.Context(t)
			written := captureEntries(t, e)
			for _, p := range activePairs(ctx, t, e) {
				raw, recs := written.of(t, p.GetId())
				if len(raw) < 4 { // proposed, offered, accepted twice, checked in
					t.Fatalf("caught %d entries of pair %s", len(raw), p.GetId())
				}
				got := found(facts(t, p), raw)
				if sealed && len(got) > 0 {
					t.Errorf("pair %s holds in clear: %v", p.GetId(), got)
				}
				if !sealed && len(got) != len(facts(t, p)) {
					t.Errorf("unsealed pair %s shows %v of its facts: the search cannot see them", p.GetId(), got)
				}
				if !sealed {
					continue
				}
				last := recs[len(recs)-1]
				if last.GetSubject() != p.GetParticipantId() || last.GetNamedSubject() != p.GetVolunteerId() || len(last.GetData()) > 0 {
					t.Errorf("pair %s sealed for %q and %q (clear data %d bytes); want the newcomer, and the mentor for the shared part",
						p.GetId(), last.GetSubject(), last.GetNamedSubject(), len(last.GetData()))
				}
			}
		})
	}
}

// TestPairErasureLeavesNothingReadable (ADR 0162): after the newcomer's
// erasure (their key shredded, as the participants service does, then
// the pair erased by mentoring) no revision of their pair opens with the
// KEK and the keys left; after the mentor's, no revision of theirs opens
// the part the two share (check-ins, score parts), while the newcomer's
// own part still does. Before the erasures the same keyring opens every
// part of every revision, so the check can fail.
func TestPairErasureLeavesNothingReadable(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	written := captureEntries(t, e)
	ps := activePairs(ctx, t, e)
	ofNewcomer, ofMentor := ps[0], ps[1]

	before := sealtest.Keyring(t, e.nats.JS, e.kek)
	for _, p := range ps {
		_, recs := written.of(t, p.GetId())
		for k, rec := range recs {
			rest, named := opened(ctx, before, p.GetId(), rec)
			if rest == nil || len(rec.GetSealedNamed()) > 0 && named == nil {
				t.Fatalf("revision %d of pair %s does not open before any erasure", k, p.GetId())
			}
		}
	}

	pid, vid := ofNewcomer.GetParticipantId(), ofMentor.GetVolunteerId()
	e.publishAll(ctx, []*eventsv1.Envelope{
		envelope(t, events.ParticipantErased, pid, &eventsv1.ParticipantErased{ParticipantId: pid}),
		envelope(t, events.VolunteerErased, vid, &eventsv1.VolunteerErased{VolunteerId: vid}),
	})
	// Their own services shred their keys once the erased events are out.
	for _, id := range []string{pid, vid} {
		if err := e.kr.Shred(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	c := e.as(admin)
	waitStatus(ctx, t, c, ofNewcomer.GetId(), 0)
	waitStatus(ctx, t, c, ofMentor.GetId(), 0)

	after := sealtest.Keyring(t, e.nats.JS, e.kek)
	_, recs := written.of(t, ofNewcomer.GetId())
	for k, rec := range recs {
		if rest, named := opened(ctx, after, ofNewcomer.GetId(), rec); rest != nil || named != nil || len(rec.GetData()) > 0 {
			t.Errorf("revision %d of the erased newcomer's pair still opens", k)
		}
	}
	_, recs = written.of(t, ofMentor.GetId())
	shared := 0
	for k, rec := range recs {
		rest, named := opened(ctx, after, ofMentor.GetId(), rec)
		if rest == nil {
			t.Errorf("revision %d of the pair of an erased mentor: the newcomer's part does not open", k)
		}
		if len(rec.GetSealedNamed()) > 0 {
			shared++
		}
		if named != nil {
			t.Errorf("revision %d of the pair of an erased mentor still opens the part the two share", k)
		}
		var v pb.Pair
		if err := proto.Unmarshal(rest, &v); err == nil && (len(v.GetCheckIns()) > 0 || len(v.GetScoreParts()) > 0) {
			t.Errorf("revision %d of the pair of an erased mentor holds check-ins or score parts under the newcomer's key alone", k)
		}
	}
	if shared == 0 {
		t.Error("no revision of the mentor's pair was sealed for the mentor too")
	}
}

// TestUnsealedPairReadsAndIsSealedOnWrite (ADR 0162, as ADR 0030 says of
// clear records): a pair written in clear by a version before sealing is
// read, listed and changed by the service, and its next write seals it.
func TestUnsealedPairReadsAndIsSealedOnWrite(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	old := pairs.RepoConfig(nil, nil) // no keyring: as before sealing
	r := e.pairRepoWith(ctx, old)
	now := e.clock.Now()
	id := pairs.PairID("p-old", "v-old")
	p := &pb.Pair{Id: id, JobId: "old-job", OrganisationId: orgA, MunicipalityCode: "0180", ParticipantId: "p-old", VolunteerId: "v-old",
		Status: eventsv1.PairStatus_PAIR_STATUS_ACTIVE, ActiveTime: timestamppb.New(now.Add(-48 * time.Hour)), Score: 40,
		ScoreParts: []*pb.ScorePart{{Rule: "language", Points: 40}}, ParticipantLanguage: "prs"}
	if _, err := r.Create(ctx, id, p); err != nil {
		t.Fatal(err)
	}
	kv, err := e.nats.JS.KeyValue(ctx, pairs.PairBucket)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() *storev1.Record {
		t.Helper()
		en, err := kv.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var rec storev1.Record
		if err := proto.Unmarshal(en.Value(), &rec); err != nil {
			t.Fatal(err)
		}
		return &rec
	}
	if rec := stored(); len(rec.GetData()) == 0 || len(rec.GetSealedData()) > 0 {
		t.Fatal("the old version's pair is not stored in clear")
	}
	c := e.as(admin)
	got := waitStatus(ctx, t, c, id, eventsv1.PairStatus_PAIR_STATUS_ACTIVE)
	if got.GetParticipantLanguage() != "prs" || len(got.GetScoreParts()) != 1 {
		t.Errorf("the clear pair reads %v", got)
	}
	list, err := c.ListPairs(ctx, &pb.ListPairsRequest{ParticipantId: "p-old"})
	if err != nil || len(list.GetPairs()) != 1 {
		t.Errorf("ListPairs of the clear pair's newcomer: %v, %v", list.GetPairs(), err)
	}
	if _, err := c.RecordCheckIn(ctx, &pb.RecordCheckInRequest{Id: id, CheckIn: &pb.CheckIn{
		Date: calendar.Today(now), Met: true, Rating: pb.CheckInRating_CHECK_IN_RATING_OK}}); err != nil {
		t.Fatalf("check-in on the clear pair: %v", err)
	}
	rec := stored()
	if len(rec.GetData()) > 0 || rec.GetSubject() != "p-old" || rec.GetNamedSubject() != "v-old" {
		t.Errorf("after its next write the pair is stored with %d bytes in clear, sealed for %q and %q; want it sealed",
			len(rec.GetData()), rec.GetSubject(), rec.GetNamedSubject())
	}
	got, err = func() (*pb.Pair, error) {
		res, err := c.GetPair(ctx, &pb.GetPairRequest{Id: id})
		return res.GetPair(), err
	}()
	if err != nil || got.GetParticipantLanguage() != "prs" || len(got.GetCheckIns()) != 1 || len(got.GetScoreParts()) != 1 {
		t.Errorf("the pair after its sealing write: %v, %v", got, err)
	}
}

// TestErasureWhileDownStillErasesThePair (ADR 0162): a newcomer erased
// while mentoring is down has their key shredded before any replica
// loads their pair, so no index holds it (it opens no more). The erasure
// still reaches it when the erased event comes: the entry is purged, its
// events are purged but the erased one, and the mentor's slot is free.
func TestErasureWhileDownStillErasesThePair(t *testing.T) {
	t.Parallel()
	e := startEnvSealed(t, 0, server.Options{}, true)
	e.pools = &servicetest.Pools{}
	ctx := testutil.Context(t)
	down, stop := context.WithCancel(ctx)
	_, js := e.nats.Connect(t)
	o := servicetest.Fast(server.Options{Pools: e.pools.Add})
	e.addrs = []string{servicetest.StartIn(down, t, js, e.key, e.clock.Now,
		func(ctx context.Context, addr string, d service.Deps, ready func(net.Addr)) error {
			d.Keyring = e.kr
			return server.Run(ctx, addr, d, o, ready)
		})}
	p := activePairs(ctx, t, e)[0]
	if h := holders(ctx, t, e, p.GetVolunteerId()); !slices.Contains(h, p.GetId()) {
		t.Fatalf("the mentor's slot is held by %v, not the active pair", h)
	}
	stop() // mentoring is down: the erasure happens without it
	pid := p.GetParticipantId()
	e.publishAll(ctx, []*eventsv1.Envelope{envelope(t, events.ParticipantErased, pid, &eventsv1.ParticipantErased{ParticipantId: pid})})
	if err := e.kr.Shred(ctx, pid); err != nil {
		t.Fatal(err)
	}
	e.addrs = []string{e.start(server.Options{})}
	kv, err := e.nats.JS.KeyValue(ctx, pairs.PairBucket)
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		en, err := kv.Get(ctx, p.GetId())
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			return nil // purged: the key holds no value
		}
		if err != nil {
			return err
		}
		var rec storev1.Record
		if err := proto.Unmarshal(en.Value(), &rec); err != nil {
			return err
		}
		if !rec.GetRemoved() || !rec.GetPurge() {
			return errorf("the pair of the newcomer erased while mentoring was down is still stored")
		}
		return nil
	})
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if got, want := pairSubjects(ctx, t, e, p.GetId()), []string{events.PairErased + "." + p.GetId()}; !slices.Equal(got, want) {
			return errorf("stream subjects of the pair: %v, want %v", got, want)
		}
		if h := holders(ctx, t, e, p.GetVolunteerId()); slices.Contains(h, p.GetId()) {
			return errorf("the mentor's slot is still held by the erased pair")
		}
		return nil
	})
}
