// Package staletest plays a replica that is behind, for tests of code that
// reads JetStream key-value buckets (pkg/store, pkg/seal).
//
// A kv.Get is a JetStream direct get, which any replica of the bucket's
// stream may answer: a node that was cut off answers with what it had
// until it has caught up (docs/adr/0108). A cluster makes that happen only
// by chance; Replica makes every direct get of a bucket answered by such a
// replica, on one embedded server.
package staletest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// Replica answers every direct get of a bucket's entries with what a
// replica that is behind has. A mirror of the bucket's stream joins the
// same direct-get queue group (the server makes a mirror of a stream that
// allows direct gets answer them too); filtered to the key Keep, it has
// that entry only (at the revision it had when it was made, when frozen).
// The stream's own direct gets are turned off, so only the mirror answers.
// Heal puts things back.
type Replica struct {
	t      testing.TB
	js     jetstream.JetStream
	origin string
	mirror string
}

// MustReplica makes every direct get of bucket's entries answered by a
// replica that has only the key keep (frozen: at the revision it has now)
// and nothing else. Heal runs at cleanup if the test did not call it.
func MustReplica(t testing.TB, nc *nats.Conn, js jetstream.JetStream, bucket, keep string, frozen bool) *Replica {
	t.Helper()
	ctx := testutil.Context(t)
	sr := &Replica{t: t, js: js, origin: "KV_" + bucket, mirror: "KV_" + bucket + "_stale"}
	cfg := jetstream.StreamConfig{
		Name:    sr.mirror,
		Storage: jetstream.MemoryStorage,
		Mirror:  &jetstream.StreamSource{Name: sr.origin, FilterSubject: "$KV." + bucket + "." + keep},
	}
	if frozen {
		// One message, and no room for a newer one: the mirror keeps the
		// revision it has now.
		cfg.MaxMsgs, cfg.Discard = 1, jetstream.DiscardNew
	}
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatalf("mirror: %v", err)
	}
	t.Cleanup(sr.Heal)
	// The mirror answers direct gets once it has caught up.
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		m, err := nc.Request("$JS.API.DIRECT.GET."+sr.origin+".$KV."+bucket+"."+keep, nil, time.Second)
		if err != nil {
			return err
		}
		if m.Header.Get("Nats-Stream") != sr.mirror {
			return fmt.Errorf("direct get answered by %q", m.Header.Get("Nats-Stream"))
		}
		return nil
	})
	sr.setDirect(false)
	return sr
}

func (sr *Replica) setDirect(on bool) {
	ctx := context.Background()
	s, err := sr.js.Stream(ctx, sr.origin)
	if err != nil {
		sr.t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.AllowDirect = on
	if _, err := sr.js.UpdateStream(ctx, cfg); err != nil {
		sr.t.Fatalf("direct gets on %s: %v", sr.origin, err)
	}
}

// Heal turns the stream's own direct gets back on and removes the mirror.
// A second call does nothing.
func (sr *Replica) Heal() {
	ctx := context.Background()
	if err := sr.js.DeleteStream(ctx, sr.mirror); errors.Is(err, jetstream.ErrStreamNotFound) {
		return
	} else if err != nil {
		sr.t.Errorf("delete mirror: %v", err)
	}
	sr.setDirect(true)
}

// RequestsTo counts the requests nc sends on subject: a plain
// subscription gets a copy of each without answering it. count flushes
// first: the server has queued the copy of every earlier request before
// its answer to the flush, so nothing sent before is missed.
func RequestsTo(t testing.TB, nc *nats.Conn, subject string) (count func() int) {
	t.Helper()
	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return func() int {
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		n, _, err := sub.Pending()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// DirectGets counts the direct gets of key in bucket (kv.Get).
func DirectGets(t testing.TB, nc *nats.Conn, bucket, key string) func() int {
	return RequestsTo(t, nc, "$JS.API.DIRECT.GET.KV_"+bucket+".$KV."+bucket+"."+key)
}

// LeaderGets counts the reads of bucket's entries only the stream leader
// answers (STREAM.MSG.GET: package leader).
func LeaderGets(t testing.TB, nc *nats.Conn, bucket string) func() int {
	return RequestsTo(t, nc, "$JS.API.STREAM.MSG.GET.KV_"+bucket)
}
