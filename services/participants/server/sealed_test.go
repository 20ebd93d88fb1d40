package server_test

import (
	"bytes"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/services/participants/server"
)

// startSealed starts the service as production runs it: with a keyring.
func startSealed(t testing.TB) *env {
	t.Helper()
	n := testutil.MustNATS(t)
	return run(t, n, service.Deps{JS: n.JS, Keyring: sealtest.Keyring(t, n.JS)}, server.Options{})
}

// TestSealedRecordsAndEvents: with a keyring, the bucket and the stream
// hold no name in clear, and the API still answers with it.
func TestSealedRecordsAndEvents(t *testing.T) {
	t.Parallel()
	e := startSealed(t)
	ctx := testutil.Context(t)
	c := e.as(admin)
	p := newcomer("0180")
	p.GivenName = "Zqsealedname"
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: res.GetParticipant().GetId()})
	if err != nil || got.GetParticipant().GetGivenName() != "Zqsealedname" {
		t.Fatalf("get = %v, %v", got, err)
	}
	kv, err := e.nats.JS.KeyValue(ctx, "participants")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := kv.Get(ctx, res.GetParticipant().GetId())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Value(), []byte("Zqsealedname")) || bytes.Contains(raw.Value(), []byte("0180")) {
		t.Error("the bucket holds the record in clear")
	}
	msgs := e.streamMsgs(ctx)
	if len(msgs) == 0 {
		t.Fatal("no event")
	}
	for _, m := range msgs {
		if bytes.Contains(m.Data, []byte("0180")) {
			t.Errorf("event %s carries its facts in clear", m.Subject)
		}
	}
}

// BenchmarkGetCacheHitParallelSealed is BenchmarkGetCacheHitParallel with
// sealing: a cache hit never opens anything, so the two should match.
func BenchmarkGetCacheHitParallelSealed(b *testing.B) { benchGetCacheHitParallel(b, startSealed(b)) }
