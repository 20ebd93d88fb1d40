package seal_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestReaderWaitsForTheOwnersBucket (ADR 0244): dinners' keyring, started
// before the participants' bucket exists, makes none of the other owners'
// buckets and says in its log what it waits for; once `stack ensure`'s
// EnsureKeyBuckets makes them, with the owners' configuration, it becomes
// ready and reads a participant's key from there.
func TestReaderWaitsForTheOwnersBucket(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kek := sealtest.KEK(t)
	var logs testutil.LogBuffer
	type opened struct {
		k   *seal.Keyring
		err error
	}
	done := make(chan opened, 1)
	go func() {
		k, err := seal.Open(ctx, n.JS, seal.Config{KEKs: []seal.KEK{kek}, Owner: "dinners", Others: seal.KeyOwners,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		done <- opened{k, err}
	}()
	testutil.CheckFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		select {
		case o := <-done:
			done <- o
			t.Fatalf("dinners' keyring opened (%v) with the other owners' buckets absent: it made them", o.err)
		default:
		}
		if want := "bucket=" + seal.OwnerBucket("participants"); !containsAll(logs.String(), "absent; waiting", want) {
			return errors.New("the wait is not logged yet")
		}
		return nil
	})
	for _, o := range seal.KeyOwners {
		_, err := n.JS.Stream(ctx, "KV_"+seal.OwnerBucket(o))
		switch {
		case o == "dinners" && err != nil:
			t.Errorf("dinners' own bucket: %v, want made by its owner", err)
		case o != "dinners" && !errors.Is(err, jetstream.ErrStreamNotFound):
			t.Errorf("%s's bucket while dinners waits: %v, want absent (a reader makes none)", o, err)
		}
	}

	made, err := seal.EnsureKeyBuckets(ctx, n.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != len(seal.KeyOwners)-1 {
		t.Errorf("EnsureKeyBuckets made %v, want every owner's but dinners' (there)", made)
	}
	var d *seal.Keyring
	testutil.CheckFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		select {
		case o := <-done:
			if o.err != nil {
				t.Fatalf("dinners' keyring after the buckets were made: %v", o.err)
			}
			d = o.k
			return nil
		default:
			return errors.New("dinners' keyring is not open yet")
		}
	})
	defer d.Close()
	if !containsAll(logs.String(), "is there; reading it", "bucket="+seal.OwnerBucket("participants")) {
		t.Errorf("the end of the wait is not logged:\n%s", logs.String())
	}
	for _, o := range seal.KeyOwners {
		s, err := n.JS.Stream(ctx, "KV_"+seal.OwnerBucket(o))
		if err != nil {
			t.Fatal(err)
		}
		if c := s.CachedInfo().Config; !c.AllowAtomicPublish || c.MaxMsgsPerSubject != 2 || c.MaxAge != 0 || !c.AllowDirect {
			t.Errorf("%s's bucket is not made with its owner's configuration: %+v", o, c)
		}
	}
	p := sealtest.Open(t, n.JS, seal.Config{KEKs: []seal.KEK{kek}, Owner: "participants", Others: seal.KeyOwners})
	sealed, err := p.Seal(ctx, "p1", []byte("sealed"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d.Open(ctx, "p1", sealed, nil); err != nil || string(got) != "sealed" {
		t.Errorf("dinners opening a participant's data after its wait: %q %v", got, err)
	}
}

// TestEnsureKeyBucketsMendsAReadersBucket: a bucket made by a reader of
// before with a configuration of its choosing (a maximum age, one
// revision) is brought to its owner's by EnsureKeyBuckets, which then
// makes nothing more on a second run.
func TestEnsureKeyBucketsMendsAReadersBucket(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	name := "KV_" + seal.OwnerBucket("participants")
	if _, err := n.JS.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{"$KV." + seal.OwnerBucket("participants") + ".>"},
		MaxAge: time.Hour, MaxMsgsPerSubject: 1, AllowDirect: true}); err != nil {
		t.Fatal(err)
	}
	made, err := seal.EnsureKeyBuckets(ctx, n.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(made) != fmt.Sprint([]string{"data_keys_volunteers", "data_keys_gateway", "data_keys_mentoring", "data_keys_dinners", "data_keys_guides"}) {
		t.Errorf("made %v, want every owner's but the participants' (there)", made)
	}
	s, err := n.JS.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if c := s.CachedInfo().Config; c.MaxAge != 0 || c.MaxMsgsPerSubject != 2 || !c.AllowAtomicPublish {
		t.Errorf("the participants' bucket after EnsureKeyBuckets: max age %v, %d revisions, atomic %v; want the owner's",
			c.MaxAge, c.MaxMsgsPerSubject, c.AllowAtomicPublish)
	}
	if made, err := seal.EnsureKeyBuckets(ctx, n.JS, 1); err != nil || len(made) != 0 {
		t.Errorf("a second run made %v (%v), want none", made, err)
	}
}

// containsAll reports whether s holds every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
