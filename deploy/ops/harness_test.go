package ops_test

import (
	"crypto/ed25519"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// root is the repository, two levels up from this module.
var root = func() string { d, _ := filepath.Abs("../.."); return d }()

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	natsBin   string
)

// mustBinaries builds the same binaries the images ship (once per test
// binary) and a nats-server at the version in pkg/go.mod: .tmp/bin's when
// `make up` installed it, else built from the module cache.
func mustBinaries(t *testing.T) (bin, natsServer string) {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "motesplats-ops-bin-")
		if buildErr != nil {
			return
		}
		// One go build for all: the linker runs in parallel. A service
		// that does not exist yet (dinners, guides) is simply not built.
		args := []string{"build", "-o", buildDir + string(filepath.Separator)}
		if raceBuild {
			args = append(args, "-race")
		}
		for _, pkg := range []string{"./services/participants", "./services/volunteers", "./services/mentoring",
			"./services/dinners", "./services/guides", "./services/notify", "./services/gateway/cmd/gateway", "./services/stack"} {
			if _, err := os.Stat(filepath.Join(root, pkg)); err == nil {
				args = append(args, pkg)
			}
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{"services", string(out), err}
			return
		}
		natsBin = filepath.Join(root, ".tmp", "bin", "nats-server")
		if _, err := os.Stat(natsBin); err == nil {
			return
		}
		natsBin = filepath.Join(buildDir, "nats-server")
		cmd = exec.Command("go", "build", "-o", natsBin, "github.com/nats-io/nats-server/v2")
		cmd.Dir = filepath.Join(root, "pkg") // its go.mod pins the version
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{"nats-server", string(out), err}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir, natsBin
}

type buildError struct {
	name, out string
	err       error
}

func (e *buildError) Error() string { return "build " + e.name + ": " + e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// system is a layout started for one test on free ports.
type system struct {
	*layout.Running
	key ed25519.PrivateKey
	// operator is the operators' key, which bin/stack's tools sign with
	// (ADR 0217); nil for a layout of before it (its seed warns).
	operator ed25519.PrivateKey
	bin      string
	dataKey  string
}

// mustUp starts the layout with nodes NATS nodes and stops it at cleanup.
func mustUp(t *testing.T, nodes int) *system { return mustUpNetns(t, nodes, nil) }

// mustUpNetns is mustUp with the NATS nodes in network namespaces.
func mustUpNetns(t *testing.T, nodes int, netns *layout.Netns) *system {
	t.Helper()
	return mustUpWith(t, layout.Options{NATSNodes: nodes, Netns: netns})
}

// mustUpWith is mustUp with more of the layout's options set (NATSNodes,
// Netns, Jaeger, Services, ProcEnv, and Ports for the names a test must
// know before the start); the harness fills in the rest.
func mustUpWith(t *testing.T, opts layout.Options) *system {
	t.Helper()
	bin, natsServer := mustBinaries(t)
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	nk, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ok, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dataKey, err := layout.NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ports := map[string]int{}
	fixed := opts.Ports // the caller's choice for some names (a proxy's target), 0 for the rest
	portFor := func(name string) int {
		mu.Lock()
		defer mu.Unlock()
		if fixed != nil && ports[name] == 0 {
			if p := fixed(name); p != 0 {
				ports[name] = p
			}
		}
		for ports[name] == 0 {
			// Two names must never share a port: FreePort may hand out
			// a port again once its probe listener has closed.
			p := testutil.FreePort(t)
			if !slices.Contains(slices.Collect(maps.Values(ports)), p) {
				ports[name] = p
			}
		}
		return ports[name]
	}
	var r *layout.Running
	for attempt := 1; ; attempt++ {
		o := opts
		o.Dir, o.Bin, o.NATSServer, o.Ports = t.TempDir(), bin, natsServer, portFor
		// Keys as make up makes them: the gateway's, notify's own and the
		// operators' (which no process is given), each bound to what it
		// may sign (ADR 0210, 0217).
		o.DataKey, o.SigningKey, o.NotifySigningKey = dataKey, auth.EncodePrivateKey(k), auth.EncodePrivateKey(nk)
		o.PublicKeys = service.AddOperatorKey(layout.BindPublicKeys("local="+auth.EncodePublicKey(k.Public().(ed25519.PublicKey)),
			nk.Public().(ed25519.PublicKey)), ok.Public().(ed25519.PublicKey))
		o.Env = map[string]string{"MP_ADMIN_EMAIL": "admin@example.org", "MP_ADMIN_PASSWORD": "correct-horse-battery"}
		r, err = layout.Start(testutil.Context(t), o)
		// A free port can be taken by another test's process between the
		// probe and the bind: start again on new ports, a few times. The
		// services say so in their own words ("the port is already in use
		// by another program", in the exited process's log the error
		// carries), nats-server and the listeners in Go's ("address
		// already in use"): both end in "already in use".
		if err == nil || attempt == 3 || !strings.Contains(strings.ToLower(err.Error()), "already in use") {
			break
		}
		t.Logf("a port was taken before its process bound it; starting again on new ports: %v", err)
		if r != nil {
			r.Stop()
		}
		mu.Lock()
		clear(ports)
		mu.Unlock()
	}
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out: the processes stop, then a failed
	// test's logs are copied out of its temporary directory, which goes.
	t.Cleanup(func() { keepLogs(t, r.Opts.Dir) })
	t.Cleanup(r.Stop)
	return &system{Running: r, key: k, operator: ok, bin: bin, dataKey: dataKey}
}

// dial connects to a process's gRPC address as an admin; opts are added
// to the connection's (a test that calls a replica just restarted passes
// WaitForReady, see jobkill_test.go).
func (s *system) dial(t *testing.T, name string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	p, ok := s.Proc(name)
	if !ok {
		t.Fatalf("no process %s", name)
	}
	creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(s.key, "local", time.Now),
		auth.Claims{Subject: "ops-test", Role: auth.RoleAdmin}, 10*time.Minute))
	cc, err := grpcx.Dial(p.Addr, append([]grpc.DialOption{grpc.WithPerRPCCredentials(creds)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// seed registers demo people through the services with the stack's seed
// command, as an operator would, and returns what it printed (the demo
// sign-ins).
func (s *system) seed(t *testing.T, participants, volunteers int) string {
	t.Helper()
	pp, _ := s.Proc("participants")
	vp, _ := s.Proc("volunteers")
	np, _ := s.Proc("nats-1")
	cmd := exec.CommandContext(testutil.Context(t), filepath.Join(s.bin, "stack"), "seed",
		"-participants", strconv.Itoa(participants), "-volunteers", strconv.Itoa(volunteers), "-workers", "8", "-nats", "nats://"+np.Addr)
	// The operators' key, as make up's keys.env gives the tools; a layout
	// of before ADR 0217 has only the gateway's (the seed warns, and signs).
	signing := "MP_OPERATOR_SIGNING_KEY=" + auth.EncodePrivateKey(s.operator)
	if s.operator == nil {
		signing = "MP_SIGNING_KEY=" + auth.EncodePrivateKey(s.key)
	}
	cmd.Env = append(os.Environ(), signing, "MP_DATA_KEY="+s.dataKey,
		"PARTICIPANTS_ADDR="+pp.Addr, "VOLUNTEERS_ADDR="+vp.Addr)
	cmd.Env = append(cmd.Env, s.toolsNATS()...)
	// The seed also fills the programmes (dinners' offers and sign-ups):
	// point it at the first replica of every service the layout runs.
	for _, k := range service.Known() {
		for _, name := range []string{k.Name, k.Name + "-1"} {
			if p, ok := s.Proc(name); ok {
				cmd.Env = append(cmd.Env, k.Env+"="+p.Addr)
			}
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	return string(out)
}

// toolsNATS is the NATS sign-in of bin/stack's tools against the layout,
// as make up's keys.env gives it: the tools' user and password when NATS
// has users (ADR 0226), the CA when it has TLS (ADR 0230).
func (s *system) toolsNATS() []string {
	var env []string
	if p := s.Opts.NATSPasswords[service.NATSToolsUser]; p != "" {
		env = append(env, service.NATSUserEnv+"="+service.NATSToolsUser, service.NATSPasswordEnv+"="+p)
	}
	if s.Opts.NATSTLS != "" {
		cert, key := layout.NATSClientFiles(s.Opts.NATSTLS, service.NATSToolsUser)
		env = append(env, service.NATSCAFileEnv+"="+layout.NATSCAFile(s.Opts.NATSTLS),
			service.NATSCertFileEnv+"="+cert, service.NATSKeyFileEnv+"="+key)
	}
	return env
}

// keepLogs copies the processes' logs of a failed test to a directory that
// outlives it and names it in the test's output: a failure in CI (a lost
// event, a node that never caught up) is explained by the services' and
// nodes' own logs, which t.TempDir would otherwise remove.
func keepLogs(t *testing.T, dir string) {
	if !t.Failed() {
		return
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	if len(logs) == 0 {
		return
	}
	keep, err := os.MkdirTemp("", "motesplats-ops-logs-"+strings.ReplaceAll(t.Name(), "/", "_")+"-")
	if err != nil {
		t.Logf("logs not kept: %v", err)
		return
	}
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err == nil {
			err = os.WriteFile(filepath.Join(keep, filepath.Base(l)), b, 0o600)
		}
		if err != nil {
			t.Logf("log %s not kept: %v", filepath.Base(l), err)
		}
	}
	t.Logf("the processes' logs are kept in %s", keep)
}
