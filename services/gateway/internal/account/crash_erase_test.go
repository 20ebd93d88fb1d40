package account

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestCrashInsideAnErasure kills the gateway once DeleteUser's removal of
// the account is stored and before the store purges it and shreds the
// user's key (its own next step, which the gateway's buckets, having no
// event publisher, never retry: the store's relay only runs for buckets
// with one). Restarted on the same files, the erasure is finished: her
// account's history is purged (no revision, sealed or not, is left), her
// session and token are refused, and she is no user.
func TestCrashInsideAnErasure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kekText, kek := sealtest.KEKText(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MP_CRASH_DIR="+dir, "MP_CRASH_MODE=coordinator removed, not purged", "MP_CRASH_KEK="+kekText)
	cmd.Stderr = os.Stderr
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != crashExitCode {
		t.Fatalf("child: %v, want exit %d", err, crashExitCode)
	}
	var st crashState
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("state: %v %s", err, b)
	}
	ctx := testutil.Context(t)
	s, stop, err := openOn(ctx, dir, kek)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	kv, err := s.js.KeyValue(ctx, AccountsBucket)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := kv.History(ctx, st.Asa)
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatal(err)
	}
	for _, e := range hist {
		if e.Operation() != jetstream.KeyValuePurge {
			t.Errorf("her account's revision %d (%v, %d bytes) is still stored", e.Revision(), e.Operation(), len(e.Value()))
		}
	}
	// Her data key is shredded: every revision of her account and her
	// token's name, in the blocks and in backups, is noise.
	if _, err := s.cfg.Keyring.Seal(ctx, st.Asa, []byte("x"), nil); err == nil {
		t.Error("her data key is not shredded")
	}
	if _, err := s.Authenticate("asa@example.org", crashPass); err == nil {
		t.Error("she signs in")
	}
	if _, err := s.Session(ctx, st.Cookie); apperr.ErrorCode(err) != apperr.Unauthenticated {
		t.Errorf("her session: %v", err)
	}
	if _, err := s.Token(ctx, st.Token); apperr.ErrorCode(err) != apperr.Unauthenticated {
		t.Errorf("her token: %v", err)
	}
	if _, err := s.GetUser(ctx, st.Asa); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("GetUser: %v, want NotFound", err)
	}
}
