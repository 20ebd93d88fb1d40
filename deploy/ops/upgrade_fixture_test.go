package ops_test

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
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

// upgradeManifest is what deploy/ops/cmd/upgradefixture made the older
// version hold (upgrade.json in the fixture).
type upgradeManifest struct {
	Commit                       string
	People                       map[string]string
	Volunteers                   map[string]string
	Erased                       string
	MentoringJob                 string `json:"mentoring_job"`
	DinnersJob                   string `json:"dinners_job"`
	GuidesJob                    string `json:"guides_job"`
	Pairs, Seatings, Assignments int
	AnsweredPair                 string `json:"answered_pair"`
	UnansweredPath               string `json:"unanswered_path"`
	UnansweredSeating            string `json:"unanswered_seating"`
	OfferedAssignment            string `json:"offered_assignment"`
	Mailbox                      []string
}

// openUpgradeFixture unpacks the upgrade fixture into a new directory of
// t's and reads its manifest: the directory is what mustUpOn starts on,
// the manifest what the older version wrote there.
func openUpgradeFixture(t *testing.T) (string, upgradeManifest) {
	t.Helper()
	dir := t.TempDir()
	untar(t, upgradeFixture(), dir)
	var m upgradeManifest
	b, err := os.ReadFile(filepath.Join(dir, "upgrade.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// peopleIDs are the ids of the fixture's participants (m.People), sorted,
// so that a test erasing "the first" erases the same one every run.
func (m upgradeManifest) peopleIDs() []string { return slices.Sorted(maps.Keys(m.People)) }

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
