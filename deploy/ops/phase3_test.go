package ops_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUpgrade_Phase3 is the runbook's "shared key bucket of before" on
// an older release's data (the upgrade fixture, one NATS node): started
// twice in the owners' mode, the services claim their keys of before;
// `stack rewrap`'s count of those left is the same after both starts and
// none is a person's (what is left are ids a pool of before made and
// never handed out: 76 of the fixture's 235, ADR 0244); then, with the
// whole layout started again as `make up LEGACY_KEYS=read-only` does
// (every service only reads KV_data_keys), every service starts, every
// person of before reads with their last value, the erased one stays
// erased, a participant of before is erased (their key, claimed,
// shredded in the participants' bucket) and nats-server refused nothing.
func TestUpgrade_Phase3(t *testing.T) {
	t.Parallel()
	dir, m := openUpgradeFixture(t)
	// Phase 2 twice (each service started once, then once more, in the
	// owners' mode): the keys of before left after the second are the
	// same as after the first, and none of them is a person's.
	var counts []string
	for run := 1; run <= 2; run++ {
		s := mustUpOn(t, dir)
		counts = append(counts, settledKeysOfBefore(t, s))
		if run == 2 {
			js := layoutJetStream(t, s)
			kv, err := js.KeyValue(testutil.Context(t), seal.DefaultBucket)
			if err != nil {
				t.Fatal(err)
			}
			for id := range maps.Keys(m.People) {
				if _, err := kv.Get(testutil.Context(t), id); !errors.Is(err, jetstream.ErrKeyNotFound) {
					t.Errorf("participant %s's key of before is still in %s: %v", id, seal.DefaultBucket, err)
				}
			}
			for id := range maps.Keys(m.Volunteers) {
				if _, err := kv.Get(testutil.Context(t), id); !errors.Is(err, jetstream.ErrKeyNotFound) {
					t.Errorf("volunteer %s's key of before is still in %s: %v", id, seal.DefaultBucket, err)
				}
			}
		}
		s.Stop()
	}
	if counts[0] != counts[1] {
		t.Errorf("stack rewrap's keys of before: %s after the first start, %s after the second; want them settled", counts[0], counts[1])
	}
	t.Logf("phases 1-2 on %s's data, stack rewrap after each of two starts: %v people's and job data's keys of before left", m.Commit, counts)

	s := mustUpOnWith(t, dir, func(o *layout.Options) { o.LegacyKeys = layout.LegacyKeysReadOnly })
	ctx := testutil.Context(t)
	checkPeopleRead(t, s, "phase 3, written by "+m.Commit, m.People, m.Volunteers, m.Erased)
	pc := participantsv1.NewParticipantServiceClient(s.dial(t, "participants"))
	erase := m.PeopleIDs()[0]
	if _, err := pc.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: erase}); err != nil {
		t.Fatalf("phase 3: erasing participant %s of before: %v", erase, err)
	}
	if _, err := pc.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: erase}); status.Code(err) != codes.NotFound {
		t.Errorf("phase 3: participant %s after the erasure: %v, want NotFound", erase, err)
	}
	js := layoutJetStream(t, s)
	for _, bucket := range []string{seal.OwnerBucket("participants"), seal.DefaultBucket} {
		kv, err := js.KeyValue(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		if e, err := kv.Get(ctx, erase); !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Errorf("phase 3: %s's key in %s after the erasure: %v %v, want none", erase, bucket, e, err)
		}
	}
	for _, p := range s.Procs {
		if p.Kind != "redis" && s.Pid(p.Name) == 0 {
			t.Errorf("phase 3: %s is not running", p.Name)
		}
	}
	refused := linesWith(mustProc(t, s, "nats-1").Log(s.Opts.Dir), []string{"Violation"}, 20)
	for _, p := range s.Procs {
		for _, l := range strings.Split(s.logOf(p.Name), "\n") {
			if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, "ermissions violation") {
				refused = append(refused, p.Name+": "+l)
			}
		}
	}
	if len(refused) > 0 {
		t.Errorf("phase 3: refused or failed:\n%s", strings.Join(refused, "\n"))
	}
}

// keysOfBefore is stack rewrap's count of people's and job data's keys
// left in the shared bucket of before.
var keysOfBefore = regexp.MustCompile(`keys of before left in KV_data_keys: (\d+) people's and job data's`)

// settledKeysOfBefore waits until the people's registers have claimed
// their keys of before (their logs say so) and stack rewrap's count of
// keys of before is the same twice in a row, and returns it.
func settledKeysOfBefore(t *testing.T, s *system) string {
	t.Helper()
	prev := ""
	testutil.CheckFor(t, 3*time.Minute, time.Second, func() error {
		for _, p := range []string{"participants", "volunteers"} {
			if !strings.Contains(s.logOf(p), "moved the data keys of before") {
				return fmt.Errorf("%s has not claimed its keys of before yet", p)
			}
		}
		out := rewrapOn(t, s)
		g := keysOfBefore.FindStringSubmatch(out)
		if g == nil {
			t.Fatalf("stack rewrap said no count: %s", out)
		}
		n := prev
		prev = g[1]
		if n != g[1] {
			return fmt.Errorf("keys of before: %s, then %s", n, g[1])
		}
		return nil
	})
	return prev
}

// rewrapOn runs `stack rewrap` on s as the tools' user with the layout's
// data key alone (it rewraps nothing, and counts the keys of before).
func rewrapOn(t *testing.T, s *system) string {
	t.Helper()
	cmd := exec.CommandContext(testutil.Context(t), filepath.Join(s.bin, "stack"), "rewrap", "-nats", "nats://"+mustProc(t, s, "nats-1").Addr)
	cmd.Env = append(append(os.Environ(), "MP_DATA_KEY="+s.dataKey), s.toolsNATS()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("stack rewrap: %v\n%s", err, out)
	}
	return string(out)
}
