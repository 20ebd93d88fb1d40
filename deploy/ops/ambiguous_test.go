package ops_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// ambiguousWrites is how many creates must see their record's write time
// out although it was stored, in each window of lost acknowledgements.
const ambiguousWrites = 8

// waitAmbiguous waits until n creates have had an attempt time out.
func (w *writer) waitAmbiguous(t *testing.T, n int, proxy *ackProxy) {
	t.Helper()
	testutil.CheckFor(t, 90*time.Second, 50*time.Millisecond, func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if got := len(w.retried); got < n {
			return fmt.Errorf("%d of %d creates timed out so far (%d acknowledgements dropped)", got, n, proxy.Dropped())
		}
		return nil
	})
}

// TestCluster_AmbiguousWriteKeepsItsEvent forces the write whose outcome
// the writer cannot know: three nats-server nodes with R3 buckets and
// streams, and the participants service's NATS connection through a
// proxy that, for a while, drops every acknowledgement of a write to the
// participants bucket (KV_participants), at first of the PARTICIPANTS
// stream too. Each create then stores its record and times out; the
// writer retries with the same request id and is answered from the
// stored record, which its index holds by its request key (ADR 0146), so
// the create is acknowledged
// although its own write never was. Once the acknowledgements flow again,
// every acknowledged create is readable and has exactly one registered
// event in the stream: the published-up-to mark never covered an entry
// whose events had not gone out (ADR 0034, "A write whose outcome is
// unknown"). Before e947220 a timed-out write settled its ticket, the mark
// covered the stored entry, and its event was never published: this test
// fails there. In the first window the relay's own asynchronous publishes
// lose their acknowledgements; before its wait was bounded
// (relayPublishWait) it waited forever, and the second window's creates
// never had their events published: the test fails there too.
func TestCluster_AmbiguousWriteKeepsItsEvent(t *testing.T) {
	t.Parallel()
	mustBinaries(t)
	began := time.Now()
	natsPort := testutil.FreePort(t)
	proxy := mustAckProxy(t, "127.0.0.1:"+strconv.Itoa(natsPort))
	s := mustUpWith(t, layout.Options{
		NATSNodes: 3,
		// volunteers only for the organisation the creates name: a
		// newcomer is registered only in one that stands (ADR 0202).
		Services: []string{"participants", "volunteers"},
		Ports: func(name string) int {
			if name == "nats-1" {
				return natsPort
			}
			return 0
		},
		ProcEnv: map[string]map[string]string{"participants": {"NATS_URL": "nats://" + proxy.Addr()}},
	})
	ctx := testutil.Context(t)
	// Short attempts, four writers: the ambiguous creates pile up in
	// seconds rather than one per 5 s.
	org, err := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers")).CreateOrganisation(ctx,
		&volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{Name: "Tvetydig förening",
			Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0180"}}})
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{pc: participantsv1.NewParticipantServiceClient(s.dial(t, "participants")), org: org.GetOrganisation().GetId(),
		acked: map[string]string{}, timeout: 2 * time.Second}
	wctx, stopWriter := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { w.run(wctx, fmt.Sprintf("ambiguous-%d", i)) })
	}
	defer func() { stopWriter(); wg.Wait() }()
	w.waitWrites(t, 20)

	// 1. The bucket's and the stream's acknowledgements are lost: the
	// creates time out, and so do the publishes of their events, the
	// relay's asynchronous ones included; until the relay (2 s grace) has
	// tried.
	proxy.Drop("KV_participants", "PARTICIPANTS")
	start := time.Now()
	w.waitAmbiguous(t, ambiguousWrites, proxy)
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		// No create's own publish gets this far (its record's write
		// failed): these are the relay's.
		if n := proxy.DroppedFrom("PARTICIPANTS"); n == 0 {
			return fmt.Errorf("no event publish has lost its acknowledgement yet")
		}
		return nil
	})
	// 2. The stream answers again, the bucket does not: these creates'
	// events go out only if the relay still runs.
	proxy.Drop("KV_participants")
	w.waitAmbiguous(t, 2*ambiguousWrites, proxy)
	proxy.Drop()
	t.Logf("acknowledgements dropped for %v: %d (%d of event publishes)", time.Since(start).Round(time.Millisecond),
		proxy.Dropped(), proxy.DroppedFrom("PARTICIPANTS"))
	w.waitWrites(t, 20)
	stopWriter()
	wg.Wait()

	w.mu.Lock()
	acked := w.acked
	ambiguous := 0
	for req := range w.retried {
		if _, ok := acked[req]; ok {
			ambiguous++
		}
	}
	t.Logf("%d creates acknowledged, %d of them after an attempt whose write timed out; %d failed attempts", len(acked), ambiguous, w.failures)
	w.mu.Unlock()
	if ambiguous < ambiguousWrites {
		t.Fatalf("only %d acknowledged creates had a timed-out attempt: the ambiguous write was not forced", ambiguous)
	}
	s.verifyWrites(t, w.pc, acked, "nats-2")
	t.Logf("the test took %v after the binaries were built", time.Since(began).Round(time.Millisecond))
}
