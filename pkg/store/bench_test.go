package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/store/leader"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// benchRepo is the benchmarks' repository: bucket "bench", no index, so
// they measure the store's own work.
func benchRepo(b *testing.B, js jetstream.JetStream) *store.Repo[*facts] {
	b.Helper()
	return mustOpen(b, js, func(c *store.Config[*facts]) { c.Bucket, c.Indexes = "bench", nil })
}

func BenchmarkRepo_Create(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := testutil.Context(b)
	r := benchRepo(b, n.JS)
	src := ids.UUIDv7{}
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Create(ctx, src.New(), &facts{MunicipalityCode: "0180"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRepo_Get(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := testutil.Context(b)
	r := benchRepo(b, n.JS)
	if _, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := r.Get(ctx, "p1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRepo_GetMiss reads an id that was never written: a direct get
// that finds nothing, then (ADR 0119) a read from the stream leader.
func BenchmarkRepo_GetMiss(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := testutil.Context(b)
	r := benchRepo(b, n.JS)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := r.Get(ctx, "never"); apperr.ErrorCode(err) != apperr.NotFound {
			b.Fatal(err)
		}
	}
}

// BenchmarkRepo_Open opens a repository on a bucket of 1,000 records on
// one server: the index's first pass, and the leader reads (STREAM.MSG.GET,
// counted as leaderreads/op) its end costs, which ADR 0250 added one to
// per watch. BenchmarkLeaderLast is one such read alone, beside it.
func BenchmarkRepo_Open(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := testutil.Context(b)
	r := benchRepo(b, n.JS)
	for i := range 1000 {
		if _, err := r.Create(ctx, fmt.Sprintf("p%04d", i), &facts{MunicipalityCode: "0180"}); err != nil {
			b.Fatal(err)
		}
	}
	r.Close()
	nc, _ := n.Connect(b)
	var reads atomic.Int64
	if _, err := nc.Subscribe("$JS.API.STREAM.MSG.GET.>", func(*nats.Msg) { reads.Add(1) }); err != nil {
		b.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		r := benchRepo(b, n.JS)
		if r.Len() != 1000 {
			b.Fatalf("%d records, want 1000", r.Len())
		}
		r.Close()
	}
	b.StopTimer()
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(reads.Load())/float64(b.N), "leaderreads/op")
}

// BenchmarkLeaderLast is one read of a bucket's last message from its
// stream's leader (leader.Last), the request a watch's first pass makes.
func BenchmarkLeaderLast(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := testutil.Context(b)
	benchRepo(b, n.JS)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := leader.Last(ctx, n.JS, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
