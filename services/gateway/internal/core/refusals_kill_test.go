package core

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// killMinute is the minute the killed gateway's refusals fall in (its
// clock), and the restarted gateways' clock is two minutes on.
var killMinute = time.Date(2026, 12, 7, 18, 0, 5, 0, time.UTC)

const (
	killCheckpointed = 40 // refusals sent, then waited for in the bucket
	killLast         = 10 // sent right before the kill: at most a second's
	killEnvNATS      = "MP_REFUSALS_KILL_NATS"
)

// TestRefusalCountsSurviveKillNine (ADR 0263): a gateway (this test's
// binary, in a process of its own, on the test's NATS) refuses 50
// sign-ins at addresses no account has from one network, 40 of them
// before its count is in the bucket and 10 right before it is killed
// with SIGKILL. Two gateways started after it, once the minute is over,
// sweep the bucket together: the log holds the minute's first entry and
// one count entry, which account for at least the 40 and at most the
// 50, never twice. Before (ADR 0221) the count lived in memory only and
// the log held the first entry alone: 1 of 50.
func TestRefusalCountsSurviveKillNine(t *testing.T) {
	if url := os.Getenv(killEnvNATS); url != "" {
		refusalsKillChild(t, url)
		return
	}
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRefusalCountsSurviveKillNine$")
	cmd.Env = append(os.Environ(), killEnvNATS+"="+n.Server.ClientURL())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "SENT" {
		t.Log("child:", lines.Text())
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()

	// Restarted, twice, after the minute: both sweep at their start.
	later := killMinute.Add(2 * time.Minute)
	var gs []*Gateway
	for range 2 {
		g := restarted(t, n.JS)
		g.Now = func() time.Time { return later }
		if err := g.CheckpointRefusals(ctx, n.JS, 1); err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	accounted := func() (int, int) {
		es, _, err := gs[0].Audit.Search(ctx, audit.Query{PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, e := range es {
			sum += max(int(e.GetCount()), 1)
		}
		return len(es), sum
	}
	testutil.CheckFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		if entries, sum := accounted(); entries < 2 || sum < 1+killCheckpointed-1 {
			return fmt.Errorf("%d entries accounting for %d refusals of %d", entries, sum, killCheckpointed+killLast)
		}
		return nil
	})
	// Another sweep of each and their stops write nothing more.
	for _, g := range gs {
		g.refusalLog().sweep(ctx)
		g.FlushRefusals(ctx)
	}
	entries, sum := accounted()
	t.Logf("after kill -9: %d entries account for %d of %d refusals (%d sent in its last moment)", entries, sum,
		killCheckpointed+killLast, killLast)
	if entries != 2 || sum < killCheckpointed || sum > killCheckpointed+killLast {
		t.Errorf("%d entries accounting for %d refusals; want 2 (the first, then the count) accounting for %d to %d",
			entries, sum, killCheckpointed, killCheckpointed+killLast)
	}
	kv, err := n.JS.KeyValue(ctx, RefusalBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys.Keys() {
		t.Errorf("checkpoint %s left in the bucket", k)
	}
}

// refusalsKillChild is the gateway the test kills: it refuses the
// sign-ins, says "SENT" and waits for its end.
func refusalsKillChild(t *testing.T, url string) {
	ctx := context.Background()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	g, err := openGateway(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	g.Now = func() time.Time { return killMinute }
	if err := g.CheckpointRefusals(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	refuse := func(from, k int) {
		for i := range k {
			how := SignIn{Action: "signin", Resource: "api_token", Channel: "api", RemoteAddr: "198.51.100." + strconv.Itoa(1+(from+i)%200)}
			if _, err := g.Authenticate(ctx, fmt.Sprintf("ingen%d@example.org", from+i), "gissning-1234", how); err == nil {
				t.Fatal("an unknown address signed in")
			}
		}
	}
	refuse(0, killCheckpointed)
	// The first entry and the count of the other 39 in the bucket.
	r := g.refusalLog()
	deadline := time.Now().Add(30 * time.Second)
	for {
		es, _, err := g.Audit.Search(ctx, audit.Query{PageSize: 10})
		r.mu.Lock()
		saved := int32(0)
		for _, tl := range r.tallies {
			saved += tl.saved
		}
		r.mu.Unlock()
		if err == nil && len(es) == 1 && saved == killCheckpointed-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not checkpointed: %d saved", saved)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("CHECKPOINTED")
	refuse(killCheckpointed, killLast)
	fmt.Println("SENT")
	select {}
}

// TestRefusalCheckpointWrittenOnce: a gateway that writes its count
// itself (here at its stop) takes the checkpoint out first, so another
// gateway's sweep after the minute writes nothing more: the count is in
// the log once (ADR 0263).
func TestRefusalCheckpointWrittenOnce(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	a := restarted(t, n.JS)
	a.Now = func() time.Time { return killMinute }
	if err := a.CheckpointRefusals(ctx, n.JS, 1); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		how := SignIn{Action: "signin", Resource: "api_token", Channel: "api", RemoteAddr: "198.51.100.7"}
		if _, err := a.Authenticate(ctx, fmt.Sprintf("ingen%d@example.org", i), "gissning-1234", how); err == nil {
			t.Fatal("an unknown address signed in")
		}
	}
	r := a.refusalLog()
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.ck.revs) != 1 {
			return fmt.Errorf("%d checkpoints put", len(r.ck.revs))
		}
		return nil
	})
	a.FlushRefusals(ctx)
	b := restarted(t, n.JS)
	b.Now = func() time.Time { return killMinute.Add(2 * time.Minute) }
	if err := b.CheckpointRefusals(ctx, n.JS, 1); err != nil {
		t.Fatal(err)
	}
	b.refusalLog().sweep(ctx)
	b.FlushRefusals(ctx)
	es, _, err := a.Audit.Search(ctx, audit.Query{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, e := range es {
		sum += max(int(e.GetCount()), 1)
	}
	if len(es) != 2 || sum != 20 {
		t.Errorf("%d entries accounting for %d refusals; want 2 accounting for 20", len(es), sum)
	}
}
