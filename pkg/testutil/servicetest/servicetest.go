// Package servicetest runs a service's real server (its server.Run) in a
// test: replicas on a private NATS, callers' tokens signed with a test
// key, the producers' events published as their services would. The
// programmes' test harnesses share it instead of each keeping a copy.
//
// It is a package of its own, not part of pkg/testutil, because it
// imports the packages whose own tests use pkg/testutil.
package servicetest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/service"
)

// KeyID names the test signing key in tokens.
const KeyID = "k1"

// NewKey returns a fresh signing key.
func NewKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	k, err := auth.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// NewSigner signs callers' tokens with key.
func NewSigner(key ed25519.PrivateKey) *auth.Signer { return auth.NewSigner(key, KeyID, time.Now) }

// RunFunc is a service's server.Run with its options bound.
type RunFunc func(ctx context.Context, addr string, d service.Deps, ready func(net.Addr)) error

// Start runs one replica of a service on a free loopback port against
// js, accepting tokens signed with key, with now as its clock, and
// returns its address once it serves. The replica stops, and its error
// fails the test, at cleanup.
func Start(tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, now func() time.Time, run RunFunc) string {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("server.Run: %v", err)
		}
	})
	return start(ctx, tb, js, key, now, run, done)
}

// StartIn is Start for a replica the test stops on purpose: it runs until
// ctx ends, and what its Run returns then is not checked.
func StartIn(ctx context.Context, tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, now func() time.Time, run RunFunc) string {
	tb.Helper()
	return start(ctx, tb, js, key, now, run, make(chan error, 1))
}

// start runs the replica until ctx ends, its Run's error going to done,
// and returns its address once it serves.
func start(ctx context.Context, tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, now func() time.Time, run RunFunc, done chan<- error) string {
	tb.Helper()
	d := service.Deps{
		JS:       js,
		Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{KeyID: key.Public().(ed25519.PublicKey)}, time.Now, time.Second),
		Now:      now,
	}.WithDefaults()
	ready := make(chan net.Addr, 1)
	failed := make(chan error, 1)
	go func() {
		err := run(ctx, "127.0.0.1:0", d, func(a net.Addr) { ready <- a })
		failed <- err
		done <- err
	}()
	select {
	case a := <-ready:
		return a.String()
	case err := <-failed:
		tb.Fatalf("server.Run: %v", err)
	case <-time.After(20 * time.Second):
		tb.Fatal("server not ready")
	}
	return ""
}

// Dial connects to addr acting as c (a token from signer valid an hour);
// the connection closes at cleanup.
func Dial(tb testing.TB, addr string, signer *auth.Signer, c auth.Claims) *grpc.ClientConn {
	tb.Helper()
	tok, err := signer.Sign(c, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := grpcx.Dial(addr, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(tok))))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

var eventSeq struct {
	mu sync.Mutex
	n  int
}

// Envelope wraps a payload as its producer would, with a fresh event id
// and an occurrence time that increases with every call in the process,
// so a later envelope is always the newer event.
func Envelope(tb testing.TB, subject, id string, payload proto.Message) *eventsv1.Envelope {
	tb.Helper()
	eventSeq.mu.Lock()
	eventSeq.n++
	n := eventSeq.n
	eventSeq.mu.Unlock()
	env, err := events.NewEnvelope(fmt.Sprintf("ev-%08d", n), subject, id,
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n)*time.Millisecond), payload)
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

// PublishPeople publishes envs on the participants' and volunteers'
// streams (creating them), as those services would.
func PublishPeople(ctx context.Context, tb testing.TB, js jetstream.JetStream, envs ...*eventsv1.Envelope) {
	tb.Helper()
	for _, s := range []events.StreamConfig{
		{Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}},
		{Name: events.StreamVolunteers, Subjects: []string{events.VolunteersSubjects}},
	} {
		if err := events.EnsureStream(ctx, js, s); err != nil {
			tb.Fatal(err)
		}
	}
	pub := events.NewPublisher(js)
	for _, env := range envs {
		if err := pub.Publish(ctx, env); err != nil {
			tb.Fatal(err)
		}
	}
}

// CountKeys counts the keys of a KV bucket; -1 when it cannot be read
// (not created yet).
func CountKeys(ctx context.Context, js jetstream.JetStream, bucket string) int {
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return -1
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return -1
	}
	n := 0
	for range keys.Keys() {
		n++
	}
	return n
}
