package ops_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gopkg.in/yaml.v3"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNATSConfig_KeepsTheStreamsOfBefore: each NATS configuration we
// ship (compose's deploy/nats.conf, the Kubernetes ConfigMap, make up's
// generated one) started on a JetStream store written by a server without
// users (every deployment before ADR 0225) serves the old stream's
// messages and bucket's keys to the services' user, refuses a client
// without a user, and answers the system user's JetStream report request
// (what `nats server report jetstream` sends), which the services' user
// may not send. The configuration is nats-server's own parser's reading
// of the file; only the listen ports, the store directory and (k8s) the
// cluster routes are moved for the test.
func TestNATSConfig_KeepsTheStreamsOfBefore(t *testing.T) {
	const password, sysPassword = "mpclientpassword", "mpsystempassword"
	// compose and the ConfigMap read the passwords from the environment.
	t.Setenv("NATS_PASSWORD", password)
	t.Setenv("NATS_SYS_PASSWORD", sysPassword)
	t.Setenv("POD_NAME", "nats-0")

	compose, err := os.ReadFile(filepath.Join(root, "deploy", "nats.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Kind string
		Data map[string]string
	}
	raw, err := os.ReadFile(filepath.Join(root, "deploy", "k8s", "nats.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &cm); err != nil || cm.Kind != "ConfigMap" || cm.Data["nats.conf"] == "" {
		t.Fatalf("deploy/k8s/nats.yaml: the first document is not the ConfigMap with nats.conf (%v)", err)
	}
	procs, err := layout.Plan(layout.Options{Dir: t.TempDir(), Bin: t.TempDir(), NATSServer: "nats-server", NATSNodes: 1,
		Services: []string{}, NATSPassword: password, NATSSysPassword: sysPassword})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, conf string }{
		{"compose", string(compose)}, {"kubernetes", cm.Data["nats.conf"]}, {"make up", procs[0].ConfigText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := t.TempDir()
			writeBefore(t, store)

			path := filepath.Join(t.TempDir(), "nats.conf")
			if err := os.WriteFile(path, []byte(tc.conf), 0o600); err != nil {
				t.Fatal(err)
			}
			opts, err := server.ProcessConfigFile(path)
			if err != nil {
				t.Fatalf("nats-server refuses the configuration: %v", err)
			}
			opts.Host, opts.Port, opts.HTTPPort, opts.StoreDir = "127.0.0.1", -1, 0, store
			opts.Cluster, opts.Routes = server.ClusterOpts{}, nil
			opts.NoLog, opts.NoSigs = true, true
			url := startServer(t, opts)

			nc, err := service.ConnectNATS(url, "test", service.NATSAuth{User: service.NATSClientUser, Password: password})
			if err != nil {
				t.Fatalf("the services' user: %v", err)
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			ctx := testutil.Context(t)
			s, err := js.Stream(ctx, "BEFORE")
			if err != nil {
				t.Fatalf("the stream written without users is gone: %v", err)
			}
			for seq := uint64(1); seq <= 3; seq++ {
				m, err := s.GetMsg(ctx, seq)
				if err != nil || string(m.Data) != "event "+string(rune('0'+seq)) {
					t.Errorf("message %d of the stream of before: %v %v", seq, m, err)
				}
			}
			kv, err := js.KeyValue(ctx, "before")
			if err != nil {
				t.Fatalf("the bucket written without users is gone: %v", err)
			}
			if e, err := kv.Get(ctx, "key"); err != nil || string(e.Value()) != "value" {
				t.Errorf("the bucket's key: %v %v", e, err)
			}

			if nc, err := nats.Connect(url, nats.Name("no user")); !errors.Is(err, nats.ErrAuthorization) {
				if nc != nil {
					nc.Close()
				}
				t.Errorf("a client without a user: %v, want an authorization refusal", err)
			}
			if nc, err := nats.Connect(url, nats.UserInfo(service.NATSClientUser, sysPassword)); !errors.Is(err, nats.ErrAuthorization) {
				if nc != nil {
					nc.Close()
				}
				t.Errorf("the services' user with the wrong password: %v, want an authorization refusal", err)
			}

			// The services' user may not ask the server for its reports:
			// it is not in the system account, so nothing answers there.
			if _, err := nc.Request("$SYS.REQ.SERVER.PING.JSZ", nil, 5*time.Second); !errors.Is(err, nats.ErrNoResponders) {
				t.Errorf("the services' user asked for the JetStream report: %v, want no responders", err)
			}
			sys, err := service.ConnectNATS(url, "operator", service.NATSAuth{User: service.NATSSystemUser, Password: sysPassword})
			if err != nil {
				t.Fatalf("the system user: %v", err)
			}
			defer sys.Close()
			m, err := sys.Request("$SYS.REQ.SERVER.PING.JSZ", nil, 5*time.Second)
			if err != nil {
				t.Fatalf("the system user's JetStream report: %v", err)
			}
			var jsz struct {
				Data struct{ Streams int } `json:"data"`
			}
			if err := json.Unmarshal(m.Data, &jsz); err != nil || jsz.Data.Streams < 2 {
				t.Errorf("JetStream report %s: want the stream and the bucket of before (%v)", m.Data, err)
			}
		})
	}
}

// writeBefore writes, on a server without users as every deployment
// before ADR 0225 ran, a stream of three messages and a bucket with one
// key into store, and stops the server.
func writeBefore(t *testing.T, store string) {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: store, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("the server without users did not start")
	}
	defer func() { s.Shutdown(); s.WaitForShutdown() }()
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testutil.Context(t)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BEFORE", Subjects: []string{"before.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := js.Publish(ctx, "before.event", []byte("event "+string(rune('0'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "before", Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "key", []byte("value")); err != nil {
		t.Fatal(err)
	}
}

// startServer starts opts in this process and stops it at cleanup; it
// returns the client URL.
func startServer(t *testing.T, opts *server.Options) string {
	t.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("the server did not start")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.ClientURL()
}
