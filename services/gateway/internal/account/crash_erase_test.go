package account

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/testutil"
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
	for _, mode := range []string{"coordinator removed, not purged", "coordinator erased, a sign-in meanwhile"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			crashInsideAnErasure(t, mode)
		})
	}
}

// crashInsideAnErasure runs one mode of TestCrashInsideAnErasure. With a
// sign-in meanwhile, the session and token made on another replica while
// she was erased (after the first sweep) outlived the eraser, who died
// before its second: refused, but her id stayed in the sessions bucket
// until the session expired, and in the tokens bucket (as the sealed
// token's subject) for the token's 90 days.
func crashInsideAnErasure(t *testing.T, mode string) {
	ctx := testutil.Context(t)
	s, st := crashedChild(t, mode)
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
	// No entry of hers is left in the sessions' or tokens' buckets.
	for _, bucket := range []string{SessionsBucket, TokensBucket} {
		kv, err := s.js.KeyValue(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys.Keys() {
			if e, err := kv.Get(ctx, k); err == nil && bytes.Contains(e.Value(), []byte(st.Asa)) {
				t.Errorf("%s/%s names her", bucket, k)
			}
		}
	}
}
