package store_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// In these tests a record of bucket "people" is held by participant_id
// (its Subject) and names a second person whose id is organisation_id;
// what it holds of them is its interests (ADR 0159).
var namedFields = []string{"organisation_id", "interests"}

// twoSubjects configures the repository of these tests on keyring kr.
func twoSubjects(kr *seal.Keyring) func(*store.Config[*facts]) {
	return func(c *store.Config[*facts]) {
		c.Keyring = kr
		c.Subject = func(_ string, f *facts) string { return f.GetParticipantId() }
		c.AlsoSealFor = func(_ string, f *facts) string { return f.GetOrganisationId() }
		c.AlsoSealFields = namedFields
	}
}

// readable opens what it can of a stored entry with the keyring, as an
// operator holding the KEK and the files could, and returns it all: the
// record's part under its holder's key, and the named part if both keys
// still open it.
func readable(t *testing.T, ctx context.Context, kr *seal.Keyring, key string, raw []byte) []byte {
	t.Helper()
	var rec storev1.Record
	if err := proto.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	out := slices.Clone(rec.GetData())
	if p, err := kr.Open(ctx, rec.GetSubject(), rec.GetSealedData(), []byte("motesplats/record/v1\x00people\x00"+key)); err == nil {
		out = append(out, p...)
	} else if !seal.IsShredded(err) {
		t.Fatalf("open %s: %v", key, err)
	}
	if len(rec.GetSealedNamed()) == 0 {
		return out
	}
	aad := []byte("motesplats/record-named/v1\x00people\x00" + key + "\x00" + rec.GetNamedSubject())
	inner, err := kr.Open(ctx, rec.GetSubject(), rec.GetSealedNamed(), aad)
	if seal.IsShredded(err) {
		return out
	}
	if err != nil {
		t.Fatalf("open %s's named part: %v", key, err)
	}
	named, err := kr.Open(ctx, rec.GetNamedSubject(), inner, aad)
	if err == nil {
		out = append(out, named...)
	} else if !seal.IsShredded(err) {
		t.Fatalf("open %s's named part inside: %v", key, err)
	}
	return out
}

// revisions writes the record "msg-1" held by holder and naming named
// (twice: created, then updated) and returns both stored entries.
func revisions(t *testing.T, ctx context.Context, r *store.Repo[*facts], kv jetstream.KeyValue, holder, named string) [][]byte {
	t.Helper()
	v := &facts{ParticipantId: holder, OrganisationId: named, MunicipalityCode: "0180", Interests: []string{"marker-named-1"}}
	if _, err := r.Create(ctx, "msg-1", v); err != nil {
		t.Fatal(err)
	}
	first := rawRecord(t, kv, "msg-1")
	if _, _, err := r.Update(ctx, "msg-1", func(f *facts, _ uint64) (store.Change, error) {
		f.Interests, f.MunicipalityCode = []string{"marker-named-2"}, "0181"
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	return [][]byte{first, rawRecord(t, kv, "msg-1")}
}

// TestRepo_TwoSubjects: a record naming a second person is readable in
// full with both keys; once the named person is erased no stored
// revision of it opens what it held of them, with the KEK and every key
// left, and the record reads without those fields (Get, the index of a
// replica that loads it, the next write); a record naming no one is
// sealed as before.
func TestRepo_TwoSubjects(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	r := mustOpen(t, n.JS, twoSubjects(kr))
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	const holder, named = "holder-1", "named-1"
	if err := kr.Prepare(ctx, named); err != nil { // the named person exists
		t.Fatal(err)
	}
	raws := revisions(t, ctx, r, kv, holder, named)
	for i, raw := range raws {
		var rec storev1.Record
		if err := proto.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("marker-")) || rec.GetNamedSubject() != named || len(rec.GetSealedNamed()) == 0 {
			t.Fatalf("revision %d: named subject %q, %d named bytes, in clear %v; want sealed for both",
				i+1, rec.GetNamedSubject(), len(rec.GetSealedNamed()), bytes.Contains(raw, []byte("marker-")))
		}
		if want := "marker-named-" + string(rune('1'+i)); !bytes.Contains(readable(t, ctx, kr, "msg-1", raw), []byte(want)) {
			t.Fatalf("revision %d: both keys do not open %s: the search below cannot fail", i+1, want)
		}
	}
	if got, _, err := r.Get(ctx, "msg-1"); err != nil || got.GetInterests()[0] != "marker-named-2" || got.GetOrganisationId() != named {
		t.Fatalf("get with both keys = %v, %v", got, err)
	}

	// A record that names no one (or its holder) is one part, as before.
	if _, err := r.Create(ctx, "msg-2", &facts{ParticipantId: holder, OrganisationId: holder, Interests: []string{"own"}}); err != nil {
		t.Fatal(err)
	}
	var one storev1.Record
	if err := proto.Unmarshal(rawRecord(t, kv, "msg-2"), &one); err != nil {
		t.Fatal(err)
	}
	if len(one.GetSealedNamed()) > 0 || one.GetNamedSubject() != "" || one.GetSubject() != holder {
		t.Errorf("a record naming no one: named subject %q, %d named bytes", one.GetNamedSubject(), len(one.GetSealedNamed()))
	}

	if err := kr.Shred(ctx, named); err != nil {
		t.Fatal(err)
	}
	for i, raw := range raws {
		got := readable(t, ctx, kr, "msg-1", raw)
		if bytes.Contains(got, []byte("marker-")) || bytes.Contains(got, []byte(named)) {
			t.Errorf("revision %d opens the erased person's data with the keys left", i+1)
		}
		if !bytes.Contains(got, []byte("0181")) && !bytes.Contains(got, []byte("0180")) {
			t.Errorf("revision %d: the holder's part no longer opens", i+1)
		}
	}
	want := &facts{ParticipantId: holder, MunicipalityCode: "0181"}
	if got, _, err := r.Get(ctx, "msg-1"); err != nil || !proto.Equal(got, want) {
		t.Errorf("get after the named person's erasure = %v, %v; want %v", got, err, want)
	}
	replica := mustOpen(t, n.JS, twoSubjects(kr)) // loads the bucket anew
	if got, ok := replica.Lookup("msg-1"); !ok || !proto.Equal(got, want) {
		t.Errorf("a replica's index after the erasure = %v, %v; want %v", got, ok, want)
	}
	// The first replica's index held the record decoded before the
	// erasure; an update that changes nothing still writes the record
	// without the lost part, so every index drops it.
	if _, _, err := r.Update(ctx, "msg-1", func(*facts, uint64) (store.Change, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if got, ok := r.Lookup("msg-1"); !ok || !proto.Equal(got, want) {
		t.Errorf("index after the update = %v, %v; want %v", got, ok, want)
	}
	var last storev1.Record
	if err := proto.Unmarshal(rawRecord(t, kv, "msg-1"), &last); err != nil {
		t.Fatal(err)
	}
	if last.GetNamedSubject() != "" || len(last.GetSealedNamed()) > 0 {
		t.Errorf("the rewritten record still names %q", last.GetNamedSubject())
	}
	// The holder's own record is untouched.
	if got, _, err := r.Get(ctx, "msg-2"); err != nil || got.GetInterests()[0] != "own" {
		t.Errorf("the record naming no one = %v, %v", got, err)
	}

	// Written for a person erased already: stored without their fields.
	v := &facts{ParticipantId: holder, OrganisationId: named, MunicipalityCode: "0182", Interests: []string{"marker-late"}}
	if _, err := r.Create(ctx, "msg-3", v); err != nil {
		t.Fatalf("create naming an erased person: %v", err)
	}
	raw := rawRecord(t, kv, "msg-3")
	if got := readable(t, ctx, kr, "msg-3", raw); bytes.Contains(got, []byte("marker-late")) || bytes.Contains(raw, []byte(named)) {
		t.Error("a record written after the named person's erasure keeps their data")
	}
	if got, ok := r.Lookup("msg-3"); !ok || got.GetMunicipalityCode() != "0182" || len(got.GetInterests()) > 0 {
		t.Errorf("index of the late record = %v, %v; want it without the erased person's fields", got, ok)
	}
}

// TestRepo_TwoSubjectsHolderErased: the holder's erasure makes the whole
// record unreadable, both parts of every revision, as for any record.
func TestRepo_TwoSubjectsHolderErased(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	r := mustOpen(t, n.JS, twoSubjects(kr))
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	const holder, named = "holder-2", "named-2"
	raws := revisions(t, ctx, r, kv, holder, named)
	if err := kr.Shred(ctx, holder); err != nil {
		t.Fatal(err)
	}
	for i, raw := range raws {
		if got := readable(t, ctx, kr, "msg-1", raw); len(got) > 0 {
			t.Errorf("revision %d opens %d bytes after the holder's erasure", i+1, len(got))
		}
	}
	if _, _, err := r.Get(ctx, "msg-1"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("get after the holder's erasure: err = %v, want NotFound", err)
	}
	if got, ok := mustOpen(t, n.JS, twoSubjects(kr)).Lookup("msg-1"); ok {
		t.Errorf("a replica's index after the holder's erasure holds %v", got)
	}
}

// TestRepo_TwoSubjectsOlderRecords: a record written before (one key,
// no second subject) still reads with the new configuration, and its
// next write seals it for both.
func TestRepo_TwoSubjectsOlderRecords(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	old := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Keyring = kr
		c.Subject = func(_ string, f *facts) string { return f.GetParticipantId() }
	})
	v := &facts{ParticipantId: "holder-3", OrganisationId: "named-3", Interests: []string{"marker-old"}}
	if _, err := old.Create(ctx, "msg-1", v); err != nil {
		t.Fatal(err)
	}
	old.Close()
	r := mustOpen(t, n.JS, twoSubjects(kr))
	if got, ok := r.Lookup("msg-1"); !ok || !proto.Equal(got, v) {
		t.Fatalf("an older record in the index = %v, %v", got, ok)
	}
	if got, _, err := r.Get(ctx, "msg-1"); err != nil || !proto.Equal(got, v) {
		t.Fatalf("get of an older record = %v, %v", got, err)
	}
	if _, _, err := r.Update(ctx, "msg-1", func(*facts, uint64) (store.Change, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	var rec storev1.Record
	if err := proto.Unmarshal(rawRecord(t, kv, "msg-1"), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.GetNamedSubject() != "named-3" {
		t.Errorf("an older record after its next write names %q, want it sealed for named-3 too", rec.GetNamedSubject())
	}
}

// TestRepo_TwoSubjectsNothingNamed: a record whose named fields are all
// empty holds nothing of the second person and is sealed with one key;
// once it holds some, with both.
func TestRepo_TwoSubjectsNothingNamed(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		twoSubjects(kr)(c)
		c.AlsoSealFor = func(string, *facts) string { return "named-4" } // the host of a seating
		c.AlsoSealFields = []string{"interests"}                         // their feedback, once given
	})
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	namedOf := func() string {
		t.Helper()
		var rec storev1.Record
		if err := proto.Unmarshal(rawRecord(t, kv, "seat-1"), &rec); err != nil {
			t.Fatal(err)
		}
		return rec.GetNamedSubject()
	}
	if _, err := r.Create(ctx, "seat-1", &facts{ParticipantId: "holder-4", MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	if got := namedOf(); got != "" {
		t.Errorf("a record holding nothing of named-4 is sealed for %q too", got)
	}
	if _, _, err := r.Update(ctx, "seat-1", func(f *facts, _ uint64) (store.Change, error) {
		f.Interests = []string{"feedback"}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := namedOf(); got != "named-4" {
		t.Errorf("a record holding named-4's feedback is sealed for %q, want named-4 too", got)
	}
}

// TestRepo_TwoSubjectsConfig: AlsoSealFor needs fields T has.
func TestRepo_TwoSubjectsConfig(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	for _, fields := range [][]string{nil, {"interests", "no_such_field"}} {
		cfg := store.Config[*facts]{Bucket: "people", New: func() *facts { return &facts{} },
			AlsoSealFor: func(string, *facts) string { return "" }, AlsoSealFields: fields}
		if _, err := store.Open(ctx, n.JS, cfg); err == nil || !strings.Contains(err.Error(), "AlsoSeal") && !strings.Contains(err.Error(), "no field") {
			t.Errorf("open with fields %v: err = %v, want it refused", fields, err)
		}
	}
}

// BenchmarkRepo_TwoSubjects is the cost of sealing a record for a second
// person: one key ("one_key", as every record that names no one) against
// two ("two_keys": the split, two more seals on write, two more opens
// and a re-encoding on a read from the bucket), same record, same run.
func BenchmarkRepo_TwoSubjects(b *testing.B) {
	n := testutil.MustNATS(b)
	kr := sealtest.Keyring(b, n.JS)
	for _, mode := range []string{"one_key", "two_keys"} {
		cfg := store.Config[*facts]{Bucket: "bench_" + mode, New: func() *facts { return &facts{} }}
		twoSubjects(kr)(&cfg)
		if mode == "one_key" {
			cfg.AlsoSealFor = nil
		}
		benchWrites(b, n, mode, cfg, "m1", &facts{ParticipantId: "holder", OrganisationId: "named", MunicipalityCode: "0180", Interests: benchInterests()})
	}
}
