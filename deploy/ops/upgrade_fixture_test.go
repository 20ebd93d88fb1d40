package ops_test

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/deploy/ops/upgrade"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// The upgrade tests (TestUpgrade_FromOlderData, TestUpgrade_Phase3,
// TestUpgrade_RollingSharedKeyBuckets) all begin on the same fixture:
// its archive unpacked into a directory of their own and its manifest
// read. openUpgradeFixture is that beginning, once (ADR 0253).

// upgradeFixture is the data an older main wrote under make up, reduced to
// its NATS store and keys; testdata/upgrade/regenerate.sh makes it again
// from a given commit (ADR 0197). MP_UPGRADE_FIXTURE names another such
// archive (one regenerate.sh made from another commit).
func upgradeFixture() string {
	if f := os.Getenv("MP_UPGRADE_FIXTURE"); f != "" {
		return f
	}
	return "testdata/upgrade/upgrade-c00f62b.tar.gz"
}

// openUpgradeFixture unpacks the upgrade fixture into a new directory of
// t's and reads its manifest: the directory is what mustUpOn starts on,
// the manifest what the older version wrote there.
func openUpgradeFixture(t *testing.T) (string, upgrade.Manifest) {
	t.Helper()
	dir := t.TempDir()
	untar(t, upgradeFixture(), dir)
	var m upgrade.Manifest
	b, err := os.ReadFile(filepath.Join(dir, "upgrade.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// checkPeopleRead checks what each upgrade test counts on after every
// start: each participant (people) and volunteer (volunteers) reads with
// the given name they were last given, and each erased participant stays
// NotFound. stage names the moment in the errors.
func checkPeopleRead(t *testing.T, s *system, stage string, people, volunteers map[string]string, erased ...string) {
	t.Helper()
	ctx := testutil.Context(t)
	pc := participantsv1.NewParticipantServiceClient(s.dial(t, "participants"))
	for id, name := range people {
		p, err := pc.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id})
		if err != nil || p.GetParticipant().GetGivenName() != name {
			t.Errorf("%s: participant %s: %q, %v; want %q", stage, id, p.GetParticipant().GetGivenName(), err, name)
		}
	}
	if len(volunteers) > 0 {
		vc := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers"))
		for id, name := range volunteers {
			v, err := vc.GetVolunteer(ctx, &volunteersv1.GetVolunteerRequest{Id: id})
			if err != nil || v.GetVolunteer().GetGivenName() != name {
				t.Errorf("%s: volunteer %s: %q, %v; want %q", stage, id, v.GetVolunteer().GetGivenName(), err, name)
			}
		}
	}
	for _, id := range erased {
		if _, err := pc.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id}); status.Code(err) != codes.NotFound {
			t.Errorf("%s: erased participant %s: %v, want NotFound", stage, id, err)
		}
	}
}

// runNewJob starts a mentoring job through mc for the organisation and
// municipalities of the fixture's job (requestID its request id) and
// waits for it to succeed: after an upgrade a new job runs beside the
// old ones.
func runNewJob(t *testing.T, s *system, mc mentoringv1.MentoringServiceClient, m upgrade.Manifest, requestID string) {
	t.Helper()
	id := s.runJob(t, mc, jobOrg(t, mc, m.MentoringJob), requestID)
	testutil.CheckFor(t, 90*time.Second, 100*time.Millisecond, func() error {
		if j := s.getJob(t, mc, id); j.GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %s %s at %s", id, j.GetState(), j.GetPhase())
		}
		return nil
	})
}

// untar unpacks a .tar.gz of plain files and directories into dir.
func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(z)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(path, 0o700)
		case tar.TypeReg:
			var out *os.File
			if out, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
				_, err = io.Copy(out, tr)
				err = errors.Join(err, out.Close())
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
