package ops_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// olderBinEnv names a directory of an older release's service binaries
// (participants, volunteers, mentoring, dinners, guides, notify, gateway;
// a release before the owners' key buckets, such as 5d8e0f63), for
// TestUpgrade_RollingSharedKeyBuckets: building one takes minutes, so the
// test runs when it is given (ADR 0244 says how it was run).
const olderBinEnv = "MP_UPGRADE_OLDER_BIN"

// rollOrder is the runbook's rolling order: the registers, the
// programmes, notify, the gateway last.
var rollOrder = []string{"participants", "volunteers", "mentoring-1", "mentoring-2", "dinners-1", "dinners-2",
	"guides-1", "guides-2", "notify-1", "notify-2", "gateway"}

// TestUpgrade_RollingSharedKeyBuckets is the runbook's rolling upgrade
// with MP_KEY_BUCKETS=shared (ADR 0238, 0244) on the upgrade fixture's
// data (one NATS node, with this release's users): an older release's
// processes run, `stack ensure` of this one has made the owners' buckets;
// each process is replaced, one at a time, by this release's with
// MP_KEY_BUCKETS=shared beside the older ones; then each once more
// without it (own: claims). Throughout, every person of before and one
// registered mid-roll (by the new participants, beside older programmes)
// reads with their name, the person erased before stays erased, and one
// erased mid-roll (by the new participants) stays erased, their key in
// no bucket; at the end every key of before is claimed, a new matching
// job runs and no process logged an error.
func TestUpgrade_RollingSharedKeyBuckets(t *testing.T) {
	t.Parallel()
	older := os.Getenv(olderBinEnv)
	if older == "" {
		t.Skipf("%s is not set: it names an older release's binaries (see ADR 0244)", olderBinEnv)
	}
	bin, _ := mustBinaries(t)
	mixed := t.TempDir()
	for _, name := range []string{"participants", "volunteers", "mentoring", "dinners", "guides", "notify", "gateway"} {
		link(t, filepath.Join(older, name), filepath.Join(mixed, name))
	}
	// This release's tools beside them: stack ensure runs before the services.
	link(t, filepath.Join(bin, "stack"), filepath.Join(mixed, "stack"))
	dir, m := openUpgradeFixture(t)
	s := mustUpOnWith(t, dir, func(o *layout.Options) { o.Bin = mixed })
	ctx := testutil.Context(t)
	ids := m.PeopleIDs()
	people := maps.Clone(m.People)
	var erased []string // mid-roll
	check := func(stage string) {
		t.Helper()
		checkPeopleRead(t, s, stage, people, nil, append([]string{m.Erased}, erased...)...)
	}
	check("older release")
	running := func(stage string) {
		t.Helper()
		for _, p := range s.Procs {
			if p.Kind != "redis" && s.Pid(p.Name) == 0 {
				t.Fatalf("%s: %s is not running:\n%s", stage, p.Name, s.logOf(p.Name))
			}
		}
	}
	running("older release")
	roll := func(name string, env map[string]string) {
		t.Helper()
		i := slices.IndexFunc(s.Procs, func(p layout.Proc) bool { return p.Name == name })
		if i < 0 {
			t.Fatalf("no process %s", name)
		}
		if pid := s.Pid(name); pid != 0 {
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
		testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
			if s.Pid(name) != 0 {
				return fmt.Errorf("%s still runs after SIGTERM", name)
			}
			return nil
		})
		p := s.Procs[i]
		p.Path = filepath.Join(bin, p.Kind)
		p.Env = slices.DeleteFunc(slices.Clone(p.Env), func(kv string) bool { return strings.HasPrefix(kv, service.KeyBucketsEnv+"=") })
		for k, v := range env {
			p.Env = append(p.Env, k+"="+v)
		}
		s.Procs[i] = p
		if err := s.Restart(ctx, name); err != nil {
			t.Fatalf("%s of this release: %v\n%s", name, err, s.logOf(name))
		}
	}
	shared := map[string]string{service.KeyBucketsEnv: service.KeyBucketsShared}
	for _, name := range rollOrder {
		roll(name, shared)
		if name == "participants" {
			// The new participants, beside older programmes: a new
			// person (their key made in the shared bucket) and an
			// erasure of one of before.
			pc := participantsv1.NewParticipantServiceClient(s.dial(t, "participants"))
			first, err := pc.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: ids[0]})
			if err != nil {
				t.Fatal(err)
			}
			created, err := pc.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{RequestId: "roll-1", Participant: &participantsv1.Participant{
				OrganisationId: first.GetParticipant().GetOrganisationId(), MunicipalityCode: first.GetParticipant().GetMunicipalityCode(),
				GivenName: "Rullad", FamilyName: "Mitt i", Contact: &typev1.Contact{Email: "rullad@example.org"},
				Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
				Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING,
					TextVersion: "2026-01", Language: "ar"}},
			}})
			if err != nil {
				t.Fatalf("a participant registered mid-roll: %v", err)
			}
			people[created.GetParticipant().GetId()] = "Rullad"
			if _, err := pc.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: ids[1]}); err != nil {
				t.Fatalf("an erasure mid-roll: %v", err)
			}
			delete(people, ids[1])
			erased = append(erased, ids[1])
		}
		check("after " + name + " (shared)")
		running("after " + name + " (shared)")
	}
	for _, name := range rollOrder {
		roll(name, nil)
		check("after " + name + " (own)")
		running("after " + name + " (own)")
	}
	// The claims: the count of keys of before settles at the pooled ids
	// of before never handed out (TestUpgrade_Phase3), and no person's
	// key is among them, the one registered mid-roll in the shared bucket
	// included.
	t.Logf("after the roll: %s people's and job data's keys of before left", settledKeysOfBefore(t, s))
	js := layoutJetStream(t, s)
	ofBefore, err := js.KeyValue(ctx, seal.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	for id := range people {
		if _, err := ofBefore.Get(ctx, id); !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Errorf("participant %s's key is still in %s after the roll: %v", id, seal.DefaultBucket, err)
		}
	}
	for _, bucket := range append([]string{seal.DefaultBucket}, ownerBucketsOf()...) {
		kv, err := js.KeyValue(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range erased {
			if e, err := kv.Get(ctx, id); !errors.Is(err, jetstream.ErrKeyNotFound) {
				t.Errorf("%s, erased mid-roll: a key in %s (%v, %v)", id, bucket, e, err)
			}
		}
	}
	runNewJob(t, s, mentoringv1.NewMentoringServiceClient(s.dial(t, "mentoring-1")), m, "after-roll")
	for _, p := range s.Procs {
		for _, l := range strings.Split(s.logOf(p.Name), "\n") {
			// A free port another program took before the process
			// bound it: the layout starts it again (seen twice for
			// volunteers on a machine shared with other test runs).
			if strings.Contains(l, "address already in use") || strings.Contains(l, "already in use by another program") {
				continue
			}
			if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, "Internal") {
				t.Errorf("%s: %s", p.Name, l)
			}
		}
	}
}

// ownerBucketsOf are every key owner's bucket.
func ownerBucketsOf() []string {
	var out []string
	for _, o := range seal.KeyOwners {
		out = append(out, seal.OwnerBucket(o))
	}
	return out
}

// link makes to a symbolic link to the executable from (absolute).
func link(t *testing.T, from, to string) {
	t.Helper()
	abs, err := filepath.Abs(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, to); err != nil {
		t.Fatal(err)
	}
}
