package store_test

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
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
