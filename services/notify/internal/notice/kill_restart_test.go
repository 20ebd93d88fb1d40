package notice_test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestKill9MidSend_RestartedReplicaTakesItsLeaseBack: a notify replica is
// SIGKILLed while the SMTP server holds one of its messages, and the same
// replica is started again (make restart P=notify-1: the same lease owner
// name). It sends that message and the person's later ones at once. With
// the lease it had to wait the whole lease out (2 minutes by default, an
// hour here, so waiting cannot pass the test), though no other process
// could still hold it (ADR 0190).
func TestKill9MidSend_RestartedReplicaTakesItsLeaseBack(t *testing.T) {
	const (
		people, perPerson = 4, 2
		killAt            = 2
		lease             = time.Hour
	)
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	dir := t.TempDir()
	var seen atomic.Int32
	killed := make(chan struct{})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), senderDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	in := &inbox{onData: func(received) {
		if seen.Add(1) == killAt {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			close(killed)
		}
	}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.serve(t, lis, nil)
	cfg, _ := json.Marshal(childConfig{NATSURL: e.nats.Server.ClientURL(), KEK: e.kek, SMTPAddr: lis.Addr().String(), People: people, Lease: lease})
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	testutil.CheckFor(t, 60*time.Second, 20*time.Millisecond, func() error {
		_, err := os.Stat(filepath.Join(dir, "ready"))
		return err
	})
	// The replica started again: the killed one's owner name (runSender's).
	again, closeAgain, err := killReplica(ctx, e.nats.JS, e.deps.Keyring, lis.Addr().String(), "killed-replica", people, lease)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeAgain)
	for k := range perPerson {
		for i := range people {
			p := notice.Planned{CauseID: fmt.Sprintf("restart-%d", k), PersonID: fmt.Sprintf("k-%02d", i), Role: pb.Role_ROLE_NEWCOMER,
				Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: "pair-r", Template: pb.Template_TEMPLATE_CANCELLATION,
				OrganisationID: org, Municipality: muni}
			if err := again.Plan(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	select {
	case <-killed:
	case <-ctx.Done():
		t.Fatal("the sender was never killed")
	}
	testutil.CheckFor(t, 60*time.Second, 20*time.Millisecond, func() error {
		again.SendDue(ctx)
		res, err := e.msgs.Find(store.Query[*pb.StoredMessage]{})
		if err != nil {
			return err
		}
		n := 0
		for _, m := range res.Items {
			if m.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SENT {
				n++
			}
		}
		if n != people*perPerson {
			return fmt.Errorf("%d of %d sent by the restarted replica (its predecessor's lease runs %v)", n, people*perPerson, lease)
		}
		return nil
	})
	ids := map[string]int{}
	for _, r := range in.received() {
		ids[idOf(r.messageID)]++
	}
	if len(ids) != people*perPerson {
		t.Errorf("distinct Message-IDs received: %d, want %d", len(ids), people*perPerson)
	}
}
