package jobs_test

import (
	"bytes"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

func TestSealedData(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	keys := sealtest.Keyring(t, n.JS)
	inner, err := jobs.OpenObjectData(ctx, n.JS, "sealed_jobdata", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := jobs.NewSealedData(inner, keys)
	first := []byte("snapshot naming p-erased and p-kept")
	if _, err := d.Put(ctx, "job-1", jobs.SnapshotKind, first); err != nil {
		t.Fatal(err)
	}
	raw, err := inner.Get(ctx, "job-1", jobs.SnapshotKind)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("p-erased")) {
		t.Fatal("the object is stored in clear")
	}
	if got, err := d.Get(ctx, "job-1", jobs.SnapshotKind); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("get = %q, %v", got, err)
	}

	// A redacted version replaces it: the first version's key is gone, so
	// its copy in the store's blocks is noise.
	if _, err := d.Put(ctx, "job-1", jobs.SnapshotKind, []byte("snapshot naming p-kept")); err != nil {
		t.Fatal(err)
	}
	firstSubject := string(raw[1 : 1+int(raw[0])])
	if _, err := keys.Open(ctx, firstSubject, raw[1+int(raw[0]):], []byte("x")); !seal.IsShredded(err) {
		t.Errorf("first version's key after a replace: err = %v, want shredded", err)
	}
	if got, err := d.Get(ctx, "job-1", jobs.SnapshotKind); err != nil || string(got) != "snapshot naming p-kept" {
		t.Fatalf("get after replace = %q, %v", got, err)
	}

	// Delete drops the object and its key.
	raw, err = inner.Get(ctx, "job-1", jobs.SnapshotKind)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "job-1", jobs.SnapshotKind); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Open(ctx, string(raw[1:1+int(raw[0])]), raw[1+int(raw[0]):], []byte("x")); !seal.IsShredded(err) {
		t.Errorf("key after delete: err = %v, want shredded", err)
	}
	if _, err := d.Get(ctx, "job-1", jobs.SnapshotKind); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("get after delete: err = %v, want NotFound", err)
	}
}
