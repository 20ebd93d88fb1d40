package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSeedChecksItsNATSFirst: under make up a seed run without keys.env's
// NATS_USER and NATS_PASSWORD (or a NATS that was not up, or no data key)
// made its 2,600 people and printed the demo data's banner, then failed
// at the users' step, the last one ("seed users: connect NATS: the server
// requires a user and password ..."): the reader saw a seed that half
// worked, with no sign-in printed (found from outside, ADR 0227). What the
// users' step needs is now checked before the first call. The services'
// addresses here answer nothing, so a seed that calls them first fails on
// them instead, naming VOLUNTEERS_ADDR.
func TestSeedChecksItsNATSFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns, err := natsembed.Start(natsembed.Options{StoreDir: filepath.Join(dir, "nats"), Port: -1,
		User: service.NATSClientUser, Password: "mp-right-password"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	ctx := testutil.Context(t)

	base := testConfig(t, dir)
	nobody := fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	base.ParticipantsAddr, base.VolunteersAddr, base.DinnersAddr = nobody, nobody, nobody
	if _, err := auth.LoadOrCreateKeyFile(base.OperatorKeyPath()); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.LoadOrCreateKeyFile(base.DataKeyPath()); err != nil {
		t.Fatal(err)
	}
	noNATS := fmt.Sprintf("nats://127.0.0.1:%d", testutil.FreePort(t))

	noDataKey := base
	noDataKey.DataDir = t.TempDir()
	if _, err := auth.LoadOrCreateKeyFile(noDataKey.OperatorKeyPath()); err != nil {
		t.Fatal(err)
	}
	wrong := base
	wrong.NATS = service.NATSAuth{User: service.NATSClientUser, Password: "mp-wrong"}
	right := base
	right.NATS = service.NATSAuth{User: service.NATSClientUser, Password: "mp-right-password"}
	noDataKey.NATS = right.NATS

	for _, c := range []struct {
		name string
		cfg  Config
		url  string
		want []string
	}{
		{"no NATS_USER", base, ns.ClientURL(), []string{"NATS_USER", "NATS_PASSWORD", "before"}},
		{"a wrong NATS_PASSWORD", wrong, ns.ClientURL(), []string{"NATS_PASSWORD", `"motesplats"`, "before"}},
		{"no NATS at -nats", right, noNATS, []string{noNATS, "MP_NATS_PORT", "-nats", "make run", "before"}},
		{"no data key", noDataKey, ns.ClientURL(), []string{"no data key", "MP_DATA_KEY", "before"}},
		// The owners' key buckets, which `stack ensure` makes before the
		// services: without them the seed's keyring would wait (ADR 0252).
		{"no key buckets", right, ns.ClientURL(), []string{"KV_data_keys_", "stack ensure", "before"}},
	} {
		var out bytes.Buffer
		err := seed(ctx, c.cfg, []string{"-participants", "1", "-volunteers", "1", "-workers", "1", "-nats", c.url}, &out)
		if err == nil {
			t.Errorf("%s: the seed was taken", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "VOLUNTEERS_ADDR") || strings.Contains(out.String(), "demo data") {
			t.Errorf("%s: the seed called the services first: %q, printed %q", c.name, err, out.String())
		}
	}
	// The control: with the user's password, the data key and the key
	// buckets `stack ensure` makes, the seed gets past NATS to the
	// services, and fails on the address that answers nothing, as before.
	nc, err := service.ConnectNATS(ns.ClientURL(), "ensure", right.NATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seal.EnsureKeyBuckets(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = seed(ctx, right, []string{"-participants", "1", "-volunteers", "1", "-workers", "1", "-nats", ns.ClientURL()}, &out)
	if err == nil || !strings.Contains(err.Error(), "VOLUNTEERS_ADDR") {
		t.Errorf("with NATS's user: %v, want the services' address that answers nothing", err)
	}
}

// TestSeedChecksItsNATSHasJetStream: signed in as a user without
// JetStream (make up's sys, whose password is beside the services' in
// keys.env), the seed made everyone and then failed "JetStream not
// enabled for account" at the sign-ins (found from outside, ADR 0227). A
// server without JetStream stands in for that account here; the seed now
// stops before its first call and names the services' user.
func TestSeedChecksItsNATSHasJetStream(t *testing.T) {
	t.Parallel()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(ns.Shutdown)
	cfg := testConfig(t, t.TempDir())
	nobody := fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	cfg.ParticipantsAddr, cfg.VolunteersAddr, cfg.DinnersAddr = nobody, nobody, nobody
	if _, err := auth.LoadOrCreateKeyFile(cfg.OperatorKeyPath()); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.LoadOrCreateKeyFile(cfg.DataKeyPath()); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = seed(testutil.Context(t), cfg, []string{"-participants", "1", "-volunteers", "1", "-workers", "1", "-nats", ns.ClientURL()}, &out)
	if err == nil {
		t.Fatal("the seed was taken by a NATS without JetStream")
	}
	for _, w := range []string{"JetStream", "NATS_USER=stack", "before"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "VOLUNTEERS_ADDR") {
		t.Errorf("the seed called the services first: %q", err)
	}
}
