package notice_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/catalog"
	"github.com/motesplats/motesplats/services/notify/internal/channel"
	"github.com/motesplats/motesplats/services/notify/internal/links"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/server"
)

// senderDirEnv makes the test binary a notify sender process (TestMain):
// it reads childConfig from the directory's config.json.
const senderDirEnv = "MP_NOTIFY_SENDER_DIR"

// TestMain lets the test binary double as the notify process the kill
// tests SIGKILL mid-send and mid-erasure.
func TestMain(m *testing.M) {
	if dir := os.Getenv(senderDirEnv); dir != "" {
		if err := runSender(dir); err != nil {
			fmt.Fprintln(os.Stderr, "notify sender:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	if dir := os.Getenv(handlerDirEnv); dir != "" {
		if err := runHandler(dir); err != nil {
			fmt.Fprintln(os.Stderr, "notify handler:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childConfig is what the sender process runs against: the test's NATS,
// the keyring's KEK, its SMTP server, the people and the lease.
type childConfig struct {
	NATSURL  string
	KEK      string
	SMTPAddr string
	People   int
	Lease    time.Duration
}

// killPeople are the kill test's recipients, the same in both processes.
func killPeople(n int) map[string]notice.Person {
	out := map[string]notice.Person{}
	for i := range n {
		out[fmt.Sprintf("k-%02d", i)] = notice.Person{FirstName: "K", Email: fmt.Sprintf("k%02d@example.org", i), Language: "sv"}
	}
	return out
}

// killReplica is a sender over the buckets on js, as a notify replica
// builds it (server.Repos, the catalogue, the link key), sending e-mail
// to smtpAddr on the wall clock.
func killReplica(ctx context.Context, js jetstream.JetStream, kr *seal.Keyring, smtpAddr, owner string, people int, lease time.Duration) (*notice.Service, func(), error) {
	d := service.Deps{JS: js, Keyring: kr, Now: time.Now}.WithDefaults()
	msgs, lnk, tr, err := server.Repos(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	cat, err := catalog.New()
	if err != nil {
		return nil, nil, err
	}
	keys, err := links.NewKeys([]byte(strings.Repeat("k", links.KeySize)))
	if err != nil {
		return nil, nil, err
	}
	svc := notice.New(notice.Deps{Messages: msgs, Links: lnk, Tracked: tr, Directory: &fakeDir{people: killPeople(people)},
		Programmes: &fakeProg{}, Catalog: cat, Keys: keys, BaseURL: "http://gw.test", Owner: owner, LeaseTTL: lease,
		Channels: notice.Channels{Email: channel.NewSMTP(channel.SMTPConfig{Addr: smtpAddr, From: "noreply@motesplats.test", Mode: channel.None})},
		Retry:    notice.Backoff{Base: 100 * time.Millisecond, Max: time.Second, MaxAttempts: 50}})
	return svc, func() { msgs.Close(); lnk.Close(); tr.Close() }, nil
}

// openChild is what every kill test's child starts from: the parent's
// config, a connection to its NATS and a keyring under its KEK.
func openChild(dir string) (childConfig, jetstream.JetStream, *seal.Keyring, error) {
	var c childConfig
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return c, nil, nil, err
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, nil, nil, err
	}
	nc, err := nats.Connect(c.NATSURL)
	if err != nil {
		return c, nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return c, nil, nil, err
	}
	kek, err := seal.ParseKEK(c.KEK)
	if err != nil {
		return c, nil, nil, err
	}
	kr, err := seal.Open(context.Background(), js, seal.Config{KEKs: []seal.KEK{kek}})
	return c, js, kr, err
}

// runSender is the child: a notify sender on the parent's NATS that runs
// until it is killed.
func runSender(dir string) error {
	c, js, kr, err := openChild(dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	svc, _, err := killReplica(ctx, js, kr, c.SMTPAddr, "killed-replica", c.People, c.Lease)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600); err != nil {
		return err
	}
	svc.RunSender(ctx, 20*time.Millisecond)
	return nil
}

// TestKill9MidSend: a notify process is SIGKILLed while the SMTP server
// holds one of its messages, complete but not yet answered (the worst
// moment: the server keeps it, the sender never learns). A second replica
// takes the dead one's leases once they lapse and sends every message
// that was not recorded sent; per person the order holds. Counted by
// Message-ID (the idempotency key, as a receiving MTA dedupes), each
// message arrives once. Counted by transmissions, only messages the dead
// process had in flight are repeated, with the same Message-ID: the
// window ADR 0101 states (for SMS, where no key exists, that repeat
// reaches the person).
func TestKill9MidSend(t *testing.T) {
	const (
		people, perPerson = 12, 3
		killAt            = 5 // the dead process's 5th message is the one in the server's hands
		lease             = 2 * time.Second
	)
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)

	// The dead process's SMTP server: at its 5th complete message it has
	// the sender killed (SIGKILL, waited for), then keeps the message.
	dir := t.TempDir()
	var (
		seen     atomic.Int32
		killedMu sync.Mutex
		killedID string
		exitErr  error
	)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), senderDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	inA := &inbox{onData: func(r received) {
		if seen.Add(1) != killAt {
			return
		}
		_ = cmd.Process.Kill()
		err := cmd.Wait()
		killedMu.Lock()
		killedID, exitErr = r.messageID, err
		killedMu.Unlock()
	}}
	lisA, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inA.serve(t, lisA, nil)
	cfg, _ := json.Marshal(childConfig{NATSURL: e.nats.Server.ClientURL(), KEK: e.kek, SMTPAddr: lisA.Addr().String(), People: people, Lease: lease})
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

	// A second replica over the same buckets, its sender still: it plans
	// three messages to each of twelve people, in order (wall clock, as
	// the sender process's).
	inB := &inbox{}
	lisB, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inB.serve(t, lisB, nil)
	second, closeSecond, err := killReplica(ctx, e.nats.JS, e.deps.Keyring, lisB.Addr().String(), "second-replica", people, lease)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeSecond)
	planned := map[string][]string{} // person -> message ids in plan order
	for k := range perPerson {
		for i := range people {
			p := notice.Planned{CauseID: fmt.Sprintf("kill-%d", k), PersonID: fmt.Sprintf("k-%02d", i), Role: pb.Role_ROLE_NEWCOMER,
				Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: "pair-k", Template: pb.Template_TEMPLATE_CANCELLATION,
				OrganisationID: org, Municipality: muni}
			if err := second.Plan(ctx, p); err != nil {
				t.Fatal(err)
			}
			planned[p.PersonID] = append(planned[p.PersonID], notice.MessageID(p.CauseID, p.PersonID, p.Template))
		}
	}
	testutil.CheckFor(t, 60*time.Second, 20*time.Millisecond, func() error {
		killedMu.Lock()
		defer killedMu.Unlock()
		if killedID == "" {
			return fmt.Errorf("the sender has handed over %d messages, not yet %d", seen.Load(), killAt)
		}
		return nil
	})
	var ee *exec.ExitError
	if !errors.As(exitErr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the sender did not die of SIGKILL: %v", exitErr)
	}
	// What the dead process left: sent, and held under its lease.
	sentBefore, leased := map[string]bool{}, map[string]bool{}
	all, err := e.msgs.Find(store.Query[*pb.StoredMessage]{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all.Items {
		if m.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SENT {
			sentBefore[m.GetId()] = true
		} else if m.GetLeaseOwner() == "killed-replica" {
			leased[m.GetId()] = true
		}
	}
	if id := idOf(killedID); sentBefore[id] || !leased[id] {
		t.Fatalf("the message in the server's hands at the kill (%s): sent %t, leased %t", id, sentBefore[id], leased[id])
	}

	// The second replica sends the rest.
	testutil.CheckFor(t, 60*time.Second, 20*time.Millisecond, func() error {
		second.SendDue(ctx)
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
			return fmt.Errorf("%d of %d sent", n, people*perPerson)
		}
		return nil
	})

	// Transmissions, in the order the servers kept them (A's all before
	// the kill, B's all after).
	got := append(inA.received(), inB.received()...)
	count := map[string]int{}
	order := map[string][]string{}
	for _, r := range got {
		id := idOf(r.messageID)
		if count[id] == 0 {
			person := strings.TrimSuffix(strings.TrimPrefix(r.to, "<"), ">")
			order[person] = append(order[person], id)
		}
		count[id]++
	}
	if len(count) != people*perPerson {
		t.Errorf("distinct Message-IDs received: %d, want %d", len(count), people*perPerson)
	}
	var repeated []string
	for id, n := range count {
		if n > 1 {
			repeated = append(repeated, id)
			if n > 2 || !leased[id] {
				t.Errorf("%s sent %d times; only a message the dead process held may be repeated, once", id, n)
			}
		}
	}
	for _, r := range inB.received() {
		if sentBefore[idOf(r.messageID)] {
			t.Errorf("%s was recorded sent before the kill and sent again", idOf(r.messageID))
		}
	}
	if count[idOf(killedID)] != 2 {
		t.Errorf("the message in the server's hands at the kill arrived %d times, want 2 with one Message-ID (the window)", count[idOf(killedID)])
	}
	for i := range people {
		person := fmt.Sprintf("k-%02d", i)
		if want, got := planned[person], order[fmt.Sprintf("k%02d@example.org", i)]; !slices.Equal(got, want) {
			t.Errorf("%s received %v, planned %v", person, got, want)
		}
	}
	t.Logf("%d messages: %d sent by the killed process, %d in its hands at the kill, %d transmissions, %d repeated (same Message-ID)",
		people*perPerson, len(sentBefore), len(leased), len(got), len(repeated))
}

// idOf is the message id in a Message-ID header "<id@motesplats>".
func idOf(messageID string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(messageID, "<"), "@")
	return id
}
