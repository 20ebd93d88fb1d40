package server_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// crashChild starts the test binary as a participants process in mode and
// returns a client of it, its directory, a channel that gets its exit and
// the process (killed when the test ends, or by the test before).
func crashChild(t *testing.T, mode string) (*env, string, chan error, *exec.Cmd) {
	t.Helper()
	dir := t.TempDir()
	key := newKey(t)
	if err := os.WriteFile(filepath.Join(dir, "key"), []byte(auth.EncodePrivateKey(key)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MP_CRASH_DIR="+dir, "MP_CRASH_MODE="+mode)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var addr string
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		b, err := os.ReadFile(filepath.Join(dir, "addr"))
		addr = string(b)
		return err
	})
	return &env{t: t, addr: addr, signer: auth.NewSigner(key, "k1", time.Now)}, dir, exited, cmd
}

// died waits for the child to have died at its hook.
func died(t *testing.T, exited chan error) {
	t.Helper()
	select {
	case werr := <-exited:
		if ee, ok := werr.(*exec.ExitError); !ok || ee.ExitCode() != crashExitCode {
			t.Fatalf("helper exit: %v, want code %d", werr, crashExitCode)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not die")
	}
}

// TestCrashAroundCreateNewUpdateErase kills a real participants process
// where TestCrashAroundCreate does not (outside round s32, docs/adr/0179):
// a create without a request id (store.CreateNew, ADR 0177) once its
// record is stored, before Confirm, and once it is written, before its
// event; an update and an erasure once written, before their event.
// Restarted on the same files: one participant (none after the erasure),
// its values as the last acknowledged or unanswered write left them, and
// each event on the stream exactly once.
func TestCrashAroundCreateNewUpdateErase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, mode, step string }{
		{"create without request id, record stored", "record-before-decision", "create"},
		{"create without request id, written", "after-write", "create"},
		{"update, written", "second-write", "update"},
		{"erasure, written", "second-write", "erase"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, dir, exited, _ := crashChild(t, tc.mode)
			ctx := testutil.Context(t)
			c := e.as(admin)
			res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
			var id string
			switch tc.step {
			case "create":
				if err == nil {
					t.Fatal("create succeeded although the process died before answering")
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				id = res.GetParticipant().GetId()
				if tc.step == "update" {
					_, err = c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
						Participant: &pb.Participant{Id: id, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_D},
						UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"swedish_level"}}})
				} else {
					_, err = c.EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: id})
				}
				// The hook dies after the write is durable and before the
				// answer leaves, so the caller most likely sees an error;
				// either way the write stands.
				_ = err
			}
			died(t, exited)

			n := testutil.MustNATSDir(t, filepath.Join(dir, "nats"))
			e2 := startOn(t, n, nil)
			c2 := e2.client(mustSign(t, e2, admin))
			list, err := c2.ListParticipants(ctx, &pb.ListParticipantsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if tc.step == "erase" {
				want = 0
			}
			if int(list.GetTotalSize()) != want || len(list.GetParticipants()) != want {
				t.Fatalf("participants after restart: %d (%d listed), want %d", list.GetTotalSize(), len(list.GetParticipants()), want)
			}
			if tc.step == "create" {
				id = list.GetParticipants()[0].GetId()
			}
			wantEvents := map[string]int{events.ParticipantRegistered: 1}
			switch tc.step {
			case "update":
				got, err := c2.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
				if err != nil || got.GetParticipant().GetSwedishLevel() != typev1.SwedishLevel_SWEDISH_LEVEL_SFI_D {
					t.Fatalf("after restart: %v, %v; want the update's level", got.GetParticipant().GetSwedishLevel(), err)
				}
				wantEvents[events.ParticipantUpdated] = 1
			case "erase":
				if _, err := c2.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); code(err) != codes.NotFound {
					t.Fatalf("the erased participant after restart: %v, want NotFound", err)
				}
				// An erasure purges the person's earlier events from the
				// stream; its own is the one that stays.
				wantEvents[events.ParticipantRegistered] = 0
				wantEvents[events.ParticipantErased] = 1
			}
			testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
				for subject, w := range wantEvents {
					if got := countEvents(ctx, t, e2, subject, id); got != w {
						return fmt.Errorf("%s events for %s: %d, want %d", subject, id, got, w)
					}
				}
				return nil
			})
		})
	}
}
