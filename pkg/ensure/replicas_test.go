package ensure_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// cluster starts three embedded JetStream servers routed to each other and
// returns a JetStream of a client of the first, once the cluster places R3
// streams.
func cluster(t *testing.T) jetstream.JetStream {
	t.Helper()
	ports := []int{testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t)}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	var first *server.Server
	for i, p := range ports {
		s, err := server.NewServer(&server.Options{ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "ensure", Host: "127.0.0.1", Port: p},
			Routes:  server.RoutesFromStr(strings.Join(routes, ","))})
		if err != nil {
			t.Fatal(err)
		}
		go s.Start()
		t.Cleanup(s.Shutdown)
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatalf("server n%d not ready", i+1)
		}
		if first == nil {
			first = s
		}
	}
	js := testutil.MustJetStream(t, first.ClientURL())
	ctx := testutil.Context(t)
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		_, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "probe", Replicas: 3})
		return err
	})
	return js
}

// TestEnsure_NeverLowersReplicas: a process that asks for fewer replicas
// than a stream, bucket or object store has (an older replica started
// again during a rolling upgrade, which knew R1 for notify's processed-ids
// buckets; a process without MP_REPLICAS in a cluster) keeps them; it made
// them R1 (ADR 0197). Other settings are still applied.
func TestEnsure_NeverLowersReplicas(t *testing.T) {
	t.Parallel()
	js := cluster(t)
	ctx := testutil.Context(t)
	if _, err := ensure.Stream(ctx, js, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: "kv", History: 1, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := ensure.ObjectStore(ctx, js, jetstream.ObjectStoreConfig{Bucket: "obj", Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := ensure.Stream(ctx, js, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, MaxAge: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: "kv", History: 5, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := ensure.ObjectStore(ctx, js, jetstream.ObjectStoreConfig{Bucket: "obj", Description: "results"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"S", "KV_kv", "OBJ_obj"} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if r := s.CachedInfo().Config.Replicas; r != 3 {
			t.Errorf("%s: %d replicas after a start that asked for fewer, want 3 kept", name, r)
		}
	}
	s, _ := js.Stream(ctx, "S")
	kv, _ := js.Stream(ctx, "KV_kv")
	obj, _ := js.Stream(ctx, "OBJ_obj")
	if s.CachedInfo().Config.MaxAge != time.Hour || kv.CachedInfo().Config.MaxMsgsPerSubject != 5 || obj.CachedInfo().Config.Description != "results" {
		t.Errorf("the other settings were not applied: max age %v, history %d, description %q",
			s.CachedInfo().Config.MaxAge, kv.CachedInfo().Config.MaxMsgsPerSubject, obj.CachedInfo().Config.Description)
	}
}
