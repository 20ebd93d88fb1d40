package ops_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNATSUsers_TheServicesRunAsTheirOwn starts make up's layout (every
// service, one replica each, one NATS node) with a NATS user per service
// (ADR 0226) and TLS (ADR 0230; a client without it is not signed in):
// the seed, the latency probe, rewrap and a short load run sign in as the
// tools' user with the CA;
// a guest and a host created through the gateway reach dinners' pool
// (the offer and the sign-up are accepted only once the pool has them);
// the guest's erasure
// through the gateway is handled by every consumer of it (each durable,
// read as its own service's user, has nothing pending) and the guest is
// gone; and nats-server refused nothing: its log has no permissions
// violation, and every process still runs. A grant that lacks what its
// service does fails here (ADR 0226 names the one taken out to see it).
func TestNATSUsers_TheServicesRunAsTheirOwn(t *testing.T) {
	t.Parallel()
	pw, err := layout.NewNATSPasswords()
	if err != nil {
		t.Fatal(err)
	}
	// With TLS (ADR 0230), as make up runs it: every process trusts the
	// layout's CA; a client without TLS is never signed in.
	s := mustUpWith(t, layout.Options{NATSNodes: 1, Replicas: 1, NATSPasswords: pw, NATSTLS: t.TempDir()})
	natsURL := "nats://" + mustProc(t, s, "nats-1").Addr
	if req, answer := plainSignIn(t, natsURL, service.NATSToolsUser, pw[service.NATSToolsUser]); !req || signedInPlain(answer) {
		t.Errorf("a client without TLS: TLS required %v, answered %q; want required and no welcome", req, answer)
	}
	s.seed(t, 20, 10)
	// The latency probe: a durable of its own name on the participants'
	// registrations (and on REPLAY), as the tools' user.
	probe := exec.CommandContext(testutil.Context(t), filepath.Join(s.bin, "stack"), "latency", "-rate", "20", "-duration", "2s",
		"-nats", "nats://"+mustProc(t, s, "nats-1").Addr)
	probe.Env = append(append(os.Environ(), "MP_OPERATOR_SIGNING_KEY="+auth.EncodePrivateKey(s.operator)), s.toolsNATS()...)
	for _, k := range service.Known() {
		if p, ok := s.Proc(k.Name); ok {
			probe.Env = append(probe.Env, k.Env+"="+p.Addr)
		}
	}
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("stack latency as %s: %v\n%s", service.NATSToolsUser, err, out)
	}
	// rewrap (a key rotation's last step) as the tools' user: it reads
	// and rewrites every person's data key in the key ring.
	rewrap := exec.CommandContext(testutil.Context(t), filepath.Join(s.bin, "stack"), "rewrap", "-nats", natsURL)
	rewrap.Env = append(append(os.Environ(), "MP_DATA_KEY="+s.dataKey), s.toolsNATS()...)
	if out, err := rewrap.CombinedOutput(); err != nil || !strings.Contains(string(out), "rewrapped ") {
		t.Fatalf("stack rewrap as %s: %v\n%s", service.NATSToolsUser, err, out)
	}
	// load, a short run, against the layout as the tools' user (ADR
	// 0230; ADR 0226 never ran it against users): its bench (natscli,
	// signing in from the environment), its probe durable and its drain's
	// reads of every stream's and consumer's state.
	load := exec.CommandContext(testutil.Context(t), filepath.Join(s.bin, "stack"), "load", "-nats", natsURL,
		"-nats-cli", natsCLI(t), "-rate", "25", "-max-rate", "50", "-step", "1s", "-get-rounds", "0", "-bench-msgs", "100")
	load.Env = append(append(os.Environ(), "MP_OPERATOR_SIGNING_KEY="+auth.EncodePrivateKey(s.operator),
		"PARTICIPANTS_ADDR="+mustProc(t, s, "participants").Addr, "VOLUNTEERS_ADDR="+mustProc(t, s, "volunteers").Addr), s.toolsNATS()...)
	if out, err := load.CombinedOutput(); err != nil || !strings.Contains(string(out), "== summary (one run) ==") ||
		regexp.MustCompile(`lost [1-9]`).Match(out) || !strings.Contains(string(out), "aggregated stats") {
		t.Fatalf("stack load as %s: %v\n%s", service.NATSToolsUser, err, out)
	}
	gp, _ := s.Proc("gateway")
	api := &gatewayAPI{t: t, base: "http://" + gp.Addr}
	api.token = api.call("ApiTokenService/CreateApiToken", map[string]any{
		"email": "admin@example.org", "password": "correct-horse-battery", "name": "natsusers"})["token"].(string)
	pair := newGuestAndHost(t, s, api, "Egna användare")
	gid := pair.gid
	pair.offerAndSignUp(t, api, "Storgatan 7, Kalmar")
	api.call("RegistryService/EraseParticipant", map[string]any{"id": gid})
	// Every consumer of the erasure, read as its own service's user.
	for user, durables := range map[string][]string{
		"dinners": {"dinners-participants"}, "mentoring": {"mentoring-participants"},
		"guides": {"guides-participants"}, "notify": {"notify-participants"},
	} {
		js := userJetStream(t, s, user, pw[user])
		for _, d := range durables {
			consumerDone(t, js, "PARTICIPANTS", d)
		}
	}
	if _, err := api.try("RegistryService/GetParticipant", map[string]any{"id": gid}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("the erased guest: %v, want not found", err)
	}

	for _, p := range s.Procs {
		if p.Kind != "redis" && s.Pid(p.Name) == 0 {
			t.Errorf("%s is not running", p.Name)
		}
	}
	refused := linesWith(mustProc(t, s, "nats-1").Log(s.Opts.Dir), []string{"Violation"}, 20)
	for _, p := range s.Procs {
		if p.Kind != "nats" && p.Kind != "redis" {
			refused = append(refused, linesWith(p.Log(s.Opts.Dir), []string{"ermissions violation", "ermissions Violation"}, 5)...)
		}
	}
	if len(refused) > 0 {
		t.Errorf("NATS refused what a service does:\n%s", strings.Join(refused, "\n"))
	}
}

// natsCLI is natscli for the tools that run it (load's bench): make's
// .tmp/bin/nats (make load installs it), else one on PATH.
func natsCLI(t *testing.T) string {
	t.Helper()
	if p := filepath.Join(root, ".tmp", "bin", "nats"); fileExists(p) {
		return p
	}
	p, err := exec.LookPath("nats")
	if err != nil {
		t.Fatalf("natscli not found in .tmp/bin or on PATH (make .tmp/bin/nats installs it): %v", err)
	}
	return p
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// userJetStream is JetStream on nats-1 as user (none when empty), as that
// service signs in: over TLS where the layout's NATS has it.
func userJetStream(t *testing.T, s *system, user, password string) jetstream.JetStream {
	t.Helper()
	a := service.NATSAuth{User: user, Password: password}
	if s.Opts.NATSTLS != "" {
		// The user's own client certificate (the tools' for none), which
		// the nodes verify (ADR 0276).
		owner := user
		if owner == "" {
			owner = service.NATSToolsUser
		}
		cert, key := layout.NATSClientFiles(s.Opts.NATSTLS, owner)
		c, err := service.NATSTLSConfig(layout.NATSCAFile(s.Opts.NATSTLS), cert, key)
		if err != nil {
			t.Fatal(err)
		}
		a.TLS = c
	}
	nc, err := service.ConnectNATS("nats://"+mustProc(t, s, "nats-1").Addr, t.Name(), a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
