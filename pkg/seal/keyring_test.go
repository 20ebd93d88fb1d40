package seal_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	k := sealtest.Keyring(t, n.JS, kek)
	plain := []byte("Amina Hassan, +46 70 123 45 67")
	sealed, err := k.Seal(ctx, "p-1", plain, []byte("participants/p-1"))
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatal("sealed data contains the plaintext")
	}
	got, err := k.Open(ctx, "p-1", sealed, []byte("participants/p-1"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, want %q", got, plain)
	}
	// Another place, another person, or a flipped bit: refused.
	if _, err := k.Open(ctx, "p-1", sealed, []byte("participants/p-2")); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("open with wrong aad: err = %v, want Invalid", err)
	}
	if _, err := k.Seal(ctx, "p-2", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Open(ctx, "p-2", sealed, []byte("participants/p-1")); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("open with another person's key: err = %v, want Invalid", err)
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	if _, err := k.Open(ctx, "p-1", bad, []byte("participants/p-1")); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("open tampered: err = %v, want Invalid", err)
	}
	// Another replica opens it with the key from the bucket; with another
	// KEK it cannot unwrap that key.
	_, js2 := n.Connect(t)
	if got, err := sealtest.Keyring(t, js2, kek).Open(ctx, "p-1", sealed, []byte("participants/p-1")); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("replica open = %q, %v", got, err)
	}
	if _, err := sealtest.Keyring(t, js2, sealtest.KEK(t)).Open(ctx, "p-1", sealed, []byte("participants/p-1")); err == nil {
		t.Error("open with a different KEK succeeded")
	}
}

func TestShred(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	a := sealtest.Keyring(t, n.JS, kek)
	_, js2 := n.Connect(t)
	b := sealtest.Keyring(t, js2, kek)

	sealed, err := a.Seal(ctx, "v-1", []byte("secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// b caches the key by opening once.
	if _, err := b.Open(ctx, "v-1", sealed, nil); err != nil {
		t.Fatalf("replica open: %v", err)
	}
	if err := a.Shred(ctx, "v-1"); err != nil {
		t.Fatalf("shred: %v", err)
	}
	if _, err := a.Open(ctx, "v-1", sealed, nil); !seal.IsShredded(err) {
		t.Errorf("open after shred: err = %v, want ErrShredded", err)
	}
	if _, err := a.Seal(ctx, "v-1", []byte("again"), nil); !seal.IsShredded(err) {
		t.Errorf("seal after shred: err = %v, want ErrShredded (never a new key for an erased person)", err)
	}
	testutil.CheckFor(t, 5*time.Second, 5*time.Millisecond, func() error {
		if _, err := b.Open(ctx, "v-1", sealed, nil); !seal.IsShredded(err) {
			return fmt.Errorf("replica open after shred: err = %v", err)
		}
		return nil
	})
	if err := a.Shred(ctx, "v-1"); err != nil {
		t.Errorf("second shred: %v (want idempotent)", err)
	}
	// A third replica starting afresh refuses too.
	_, js3 := n.Connect(t)
	c := sealtest.Keyring(t, js3, kek)
	if _, err := c.Seal(ctx, "v-1", []byte("again"), nil); !seal.IsShredded(err) {
		t.Errorf("seal on a new replica after shred: err = %v, want ErrShredded", err)
	}
}

// TestShredErasesDisk reads the raw JetStream files: the wrapped key must
// be there before the shred and nowhere after it.
func TestShredErasesDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	n := testutil.MustNATSDir(t, dir)
	ctx := testutil.Context(t)
	k := sealtest.Keyring(t, n.JS, sealtest.KEK(t))
	if _, err := k.Seal(ctx, "p-disk", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	wrapped := sealtest.StoredKey(t, n.JS, seal.DefaultBucket, "p-disk")
	k.Close()
	n.Stop()
	if len(testutil.FilesContaining(t, dir, wrapped)) == 0 {
		t.Fatal("the wrapped key is not in the store files before the shred: the test could not see it")
	}
	n = testutil.MustNATSDir(t, dir)
	k = sealtest.Keyring(t, n.JS, sealtest.KEK(t))
	if err := k.Shred(ctx, "p-disk"); err != nil {
		t.Fatal(err)
	}
	k.Close()
	n.Stop()
	if files := testutil.FilesContaining(t, dir, wrapped); len(files) > 0 {
		t.Fatalf("the shredded key is still on disk in %v", files)
	}
}

func TestRestoreReappliesErasures(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	k := sealtest.Keyring(t, n.JS, kek)
	sealed, err := k.Seal(ctx, "p-restored", []byte("secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	kv := sealtest.Bucket(t, n.JS, seal.DefaultBucket)
	backup := sealtest.StoredKey(t, n.JS, seal.DefaultBucket, "p-restored")
	if err := k.Shred(ctx, "p-restored"); err != nil {
		t.Fatal(err)
	}
	k.Close()
	// The key bucket comes back from a backup taken before the erasure;
	// the erasure log does not.
	if _, err := kv.Put(ctx, "p-restored", backup); err != nil {
		t.Fatal(err)
	}
	k2 := sealtest.Keyring(t, n.JS, kek)
	if _, err := k2.Open(ctx, "p-restored", sealed, nil); !seal.IsShredded(err) {
		t.Fatalf("open after restore: err = %v, want ErrShredded (erasure log re-applied)", err)
	}
	hist, err := kv.History(ctx, "p-restored")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range hist {
		if e.Operation() == jetstream.KeyValuePut {
			t.Errorf("restored key revision %d still stored after start", e.Revision())
		}
	}
}

func TestRotateKEK(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	n := testutil.MustNATSDir(t, dir)
	ctx := testutil.Context(t)
	old, cur := sealtest.KEK(t), sealtest.KEK(t)
	k := sealtest.Keyring(t, n.JS, old)
	sealed := map[string][]byte{}
	for i := range 5 {
		id := fmt.Sprintf("p-%d", i)
		s, err := k.Seal(ctx, id, []byte(id), []byte("aad"))
		if err != nil {
			t.Fatal(err)
		}
		sealed[id] = s
	}
	if err := k.Shred(ctx, "p-4"); err != nil {
		t.Fatal(err)
	}
	k.Close()
	oldWrapped := sealtest.StoredKey(t, n.JS, seal.DefaultBucket, "p-0")

	// Rotation: the new key first, the old one still accepted.
	k = sealtest.Keyring(t, n.JS, cur, old)
	got, err := k.Rewrap(ctx)
	if err != nil {
		t.Fatalf("rewrap: %v", err)
	}
	if got != 4 {
		t.Errorf("rewrapped %d keys, want 4", got)
	}
	if again, err := k.Rewrap(ctx); err != nil || again != 0 {
		t.Errorf("second rewrap = %d, %v; want 0, nil", again, err)
	}
	k.Close()

	// The old KEK retired: everything still opens with the new one alone.
	k = sealtest.Keyring(t, n.JS, cur)
	for id, s := range sealed {
		p, err := k.Open(ctx, id, s, []byte("aad"))
		if id == "p-4" {
			if !seal.IsShredded(err) {
				t.Errorf("open shredded %s: err = %v", id, err)
			}
			continue
		}
		if err != nil || string(p) != id {
			t.Errorf("open %s after rotation = %q, %v", id, p, err)
		}
	}
	k.Close()
	n.Stop()
	if files := testutil.FilesContaining(t, dir, oldWrapped); len(files) > 0 {
		t.Errorf("the key wrapped by the retired KEK is still on disk in %v", files)
	}
}

func TestCacheBound(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	k := sealtest.Open(t, n.JS, seal.Config{CacheSize: 2})
	sealed := map[string][]byte{}
	var err error
	for i := range 10 {
		id := fmt.Sprintf("c-%d", i)
		if sealed[id], err = k.Seal(ctx, id, []byte(id), nil); err != nil {
			t.Fatal(err)
		}
	}
	// Evicted keys come back from the bucket.
	for id, s := range sealed {
		if p, err := k.Open(ctx, id, s, nil); err != nil || string(p) != id {
			t.Errorf("open %s = %q, %v", id, p, err)
		}
	}
}

func TestEnvelope(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	k := sealtest.Keyring(t, n.JS, sealtest.KEK(t))
	payload, err := anypb.New(&eventsv1.ParticipantFacts{ParticipantId: "p-1", Interests: []string{"marker-interest"}})
	if err != nil {
		t.Fatal(err)
	}
	env := &eventsv1.Envelope{Id: "e-1", Type: "participants.participant.registered", SubjectId: "p-1", Payload: payload}
	if err := seal.SealEnvelope(ctx, k, env); err != nil {
		t.Fatal(err)
	}
	raw, err := proto.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if env.GetPayload() != nil || bytes.Contains(raw, []byte("marker-interest")) {
		t.Fatal("sealed envelope still carries the payload in clear")
	}
	moved := proto.Clone(env).(*eventsv1.Envelope)
	moved.Id = "e-2"
	if err := seal.OpenEnvelope(ctx, k, moved); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("payload moved to another event: err = %v, want Invalid", err)
	}
	if err := seal.OpenEnvelope(ctx, k, env); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(env.GetPayload(), payload) {
		t.Errorf("opened payload = %v, want %v", env.GetPayload(), payload)
	}
}

func TestObjects(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	k := sealtest.Keyring(t, n.JS, sealtest.KEK(t))
	os, err := n.JS.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "snapshots"})
	if err != nil {
		t.Fatal(err)
	}
	o := seal.NewObjects(os, "snapshots", k)
	if err := o.Put(ctx, "job-1", "job-1/input", []byte("pool snapshot")); err != nil {
		t.Fatal(err)
	}
	raw, err := os.GetBytes(ctx, "job-1/input")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("pool snapshot")) {
		t.Fatal("object stored in clear")
	}
	got, err := o.Get(ctx, "job-1", "job-1/input")
	if err != nil || string(got) != "pool snapshot" {
		t.Fatalf("get = %q, %v", got, err)
	}
	if err := o.Shred(ctx, "job-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Get(ctx, "job-1", "job-1/input"); !seal.IsShredded(err) {
		t.Errorf("get after shred: err = %v, want ErrShredded", err)
	}
}

func TestKEKsFromEnv(t *testing.T) {
	t.Parallel()
	a, _ := seal.GenerateKEK()
	b, _ := seal.GenerateKEK()
	env := map[string]string{"MP_DATA_KEY": a, "MP_DATA_KEY_OLD": b}
	keys, err := seal.KEKsFromEnv(func(k string) string { return env[k] })
	if err != nil || len(keys) != 2 {
		t.Fatalf("KEKsFromEnv = %v, %v", keys, err)
	}
	if _, err := seal.KEKsFromEnv(func(string) string { return "" }); err == nil {
		t.Error("no key configured: want an error")
	}
	if _, err := seal.KEKsFromEnv(func(k string) string {
		if k == "MP_DATA_KEY" {
			return "c2hvcnQ="
		}
		return ""
	}); err == nil {
		t.Error("short key: want an error")
	}
	path := t.TempDir() + "/data.key"
	k1, err := seal.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := seal.LoadOrCreateKeyFile(path)
	if err != nil || k1.ID != k2.ID {
		t.Errorf("key file not reused: %v %v, %v", k1, k2, err)
	}
}
