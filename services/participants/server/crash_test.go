package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/participants/server"
)

// TestMain lets the test binary double as the process the crash test
// kills: with MP_CRASH_DIR set it runs a participants service on an
// embedded NATS in that directory instead of the tests.
func TestMain(m *testing.M) {
	if dir := os.Getenv("MP_CRASH_DIR"); dir != "" {
		if err := crashHelper(dir, os.Getenv("MP_CRASH_MODE")); err != nil {
			fmt.Fprintln(os.Stderr, "crash helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const crashExitCode = 3

func crashHelper(dir, mode string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "key"))
	if err != nil {
		return err
	}
	key, err := auth.DecodePrivateKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return err
	}
	ns, err := natsembed.Start(natsembed.Options{StoreDir: filepath.Join(dir, "nats"), Port: -1, SyncAlways: true})
	if err != nil {
		return err
	}
	nc, err := natsembed.Connect(ns, "crash-helper")
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	for _, org := range []string{orgA, orgB} {
		if err := orgEvent(js, events.OrganisationCreated, org); err != nil {
			return err
		}
	}
	var hooks *store.Hooks
	switch mode {
	case "after-write":
		// Die the moment the entry is durable, before its event goes out.
		hooks = &store.Hooks{AfterWrite: func(string) error { os.Exit(crashExitCode); return nil }}
	case "second-write":
		// Die the moment the second entry with events is durable (an
		// update or an erasure after the create), before its event goes
		// out (docs/adr/0179).
		var writes atomic.Int32
		hooks = &store.Hooks{AfterWrite: func(string) error {
			if writes.Add(1) == 2 {
				os.Exit(crashExitCode)
			}
			return nil
		}}
	case "record-before-decision":
		// Die once the record is durable, before the writer has decided
		// whether it holds its request key (and so before its event).
		hooks = &store.Hooks{AfterRecord: func(string) error { os.Exit(crashExitCode); return nil }}
	}
	d := service.Deps{JS: js, Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, time.Now, time.Second)}.WithDefaults()
	return server.Run(context.Background(), "127.0.0.1:0", d, server.Options{StoreHooks: hooks}, func(a net.Addr) {
		_ = os.WriteFile(filepath.Join(dir, "addr.tmp"), []byte(a.String()), 0o600)
		_ = os.Rename(filepath.Join(dir, "addr.tmp"), filepath.Join(dir, "addr"))
	})
}

// TestCrashAroundCreate kills a real participants process around a Create
// and restarts on the same files: the participant is there and its
// registered event is on the stream exactly once. after-write dies with the
// record stored and its event not published (the answer lost with it);
// after-return once the event is out and answered, most likely before the
// writer's mark covers it (every 200 ms), so the restart's relay publishes
// it again and the stream drops the copy; record-before-decision dies
// between the record's write and the writer's decision that it holds the
// request key (docs/adr/0146-a-create-without-its-reservation.md).
func TestCrashAroundCreate(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"after-write", "after-return", "record-before-decision"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e, dir, exited, cmd := crashChild(t, mode)
			ctx := testutil.Context(t)
			req := &pb.CreateParticipantRequest{Participant: newcomer("0180"), RequestId: "crash-1"}
			_, err := e.as(admin).CreateParticipant(ctx, req)
			switch mode {
			case "after-write", "record-before-decision":
				if err == nil {
					t.Fatal("create succeeded although the process died before answering")
				}
				died(t, exited)
			case "after-return":
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				_ = cmd.Process.Kill()
				<-exited
			}

			// Restart on the same files, in this process.
			n := testutil.MustNATSDir(t, filepath.Join(dir, "nats"))
			e2 := startOn(t, n, nil)
			c := e2.client(mustSign(t, e2, admin))
			// The client retries with the same request id, as clients do
			// after an error: it gets the one participant.
			res, err := c.CreateParticipant(ctx, req)
			if err != nil {
				t.Fatalf("retry after restart: %v", err)
			}
			list, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{})
			if err != nil || list.GetTotalSize() != 1 {
				t.Fatalf("participants after restart=%d err=%v, want 1", list.GetTotalSize(), err)
			}
			id := res.GetParticipant().GetId()
			testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
				n := countEvents(ctx, t, e2, events.ParticipantRegistered, id)
				if n != 1 {
					return fmt.Errorf("registered events for %s: %d, want 1", id, n)
				}
				return nil
			})
		})
	}
}

func mustSign(t testing.TB, e *env, c auth.Claims) string {
	t.Helper()
	return e.token(c)
}

func countEvents(ctx context.Context, t testing.TB, e *env, subject, subjectID string) int {
	n := 0
	for _, m := range e.streamMsgs(ctx) {
		if m.Subject == subject+"."+subjectID {
			n++
		}
	}
	return n
}
