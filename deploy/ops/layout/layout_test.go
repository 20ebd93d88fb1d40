package layout

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopDir: `make down` stops what a state file lists, from another
// process than the one that started it, and removes the state file.
func TestStopDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	b, _ := json.Marshal(state{Procs: []stateProc{{Name: "sleeper", Pid: cmd.Process.Pid}}})
	if err := os.WriteFile(filepath.Join(dir, StateFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := StopDir(dir, &out); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		t.Fatal("StopDir returned but the process still runs")
	}
	if !strings.Contains(out.String(), "stopped sleeper") {
		t.Errorf("output %q does not name the stopped process", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, StateFile)); !os.IsNotExist(err) {
		t.Errorf("state file left behind: %v", err)
	}
	if err := StopDir(dir, &out); err != nil {
		t.Errorf("second StopDir: %v", err)
	}
}

// TestPlan: one NATS node or three with routes to the two others, each
// matching service twice with its own ports, the registers once, the
// gateway pointed at the first replicas, and nothing of the caller's
// environment but PATH, HOME and TMPDIR.
func TestPlan(t *testing.T) {
	bin := t.TempDir()
	for _, n := range []string{"participants", "volunteers", "mentoring", "gateway"} {
		if err := os.WriteFile(filepath.Join(bin, n), nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("MP_SECRET_OF_CALLER", "x")
	for _, nodes := range []int{1, 3} {
		procs, err := Plan(Options{Dir: t.TempDir(), Bin: bin, NATSServer: "nats-server", NATSNodes: nodes, PublicKeys: "k", DataKey: "d"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		addrs := map[string]bool{}
		for _, p := range procs {
			names = append(names, p.Name)
			if addrs[p.Addr] {
				t.Errorf("%s: address %s used twice", p.Name, p.Addr)
			}
			addrs[p.Addr] = true
			for _, e := range p.Env {
				if strings.HasPrefix(e, "MP_SECRET_OF_CALLER") {
					t.Errorf("%s inherits the caller's %s", p.Name, e)
				}
			}
			if p.Kind == "nats" && nodes == 3 && strings.Count(p.ConfigText, "nats://") != 2 {
				t.Errorf("%s: want routes to the two other nodes:\n%s", p.Name, p.ConfigText)
			}
			// Every replica, so a killed mentoring-1 leaves matching
			// served by mentoring-2 (ADR 0134); participants runs once.
			if p.Name == "gateway" && (!slices.Contains(p.Env, "MENTORING_ADDR=static:///127.0.0.1:7003,127.0.0.1:7103") ||
				!slices.Contains(p.Env, "PARTICIPANTS_ADDR=127.0.0.1:7001")) {
				t.Errorf("gateway env %v does not call both mentoring replicas and the one participants", p.Env)
			}
			if p.Name == "mentoring-2" && !strings.Contains(strings.Join(p.Env, " "), "MENTORING_ADDR=127.0.0.1:7103") {
				t.Errorf("mentoring-2 env %v: want its own port 7103", p.Env)
			}
		}
		want := "participants volunteers mentoring-1 mentoring-2 gateway"
		if got := strings.Join(names[nodes+1:], " "); got != want {
			t.Errorf("%d nodes: services %q, want %q", nodes, got, want)
		}
	}
	if _, err := Plan(Options{NATSNodes: 2}); err == nil {
		t.Error("two NATS nodes accepted")
	}
}

// TestPlan_ServicesAndProcEnv: a test can run only the services it needs,
// and replace one variable of one process (its NATS URL, to send it
// through a proxy) without a second copy of the variable.
func TestPlan_ServicesAndProcEnv(t *testing.T) {
	bin := t.TempDir()
	for _, n := range []string{"participants", "volunteers", "mentoring", "gateway"} {
		if err := os.WriteFile(filepath.Join(bin, n), nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	procs, err := Plan(Options{Dir: t.TempDir(), Bin: bin, NATSServer: "nats-server", NATSNodes: 3, PublicKeys: "k", DataKey: "d",
		Services: []string{"participants"}, ProcEnv: map[string]map[string]string{"participants": {"NATS_URL": "nats://127.0.0.1:1"}}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range procs {
		names = append(names, p.Name)
		if p.Name != "participants" {
			continue
		}
		var urls []string
		for _, e := range p.Env {
			if strings.HasPrefix(e, "NATS_URL=") {
				urls = append(urls, e)
			}
		}
		if got, want := strings.Join(urls, " "), "NATS_URL=nats://127.0.0.1:1"; got != want {
			t.Errorf("participants NATS_URL %q, want only %q", got, want)
		}
	}
	if got, want := strings.Join(names, " "), "nats-1 nats-2 nats-3 redis participants"; got != want {
		t.Errorf("processes %q, want %q", got, want)
	}
}

// TestPlan_ServicesFindEachOtherOnMovedPorts: with the ports moved, every
// process is told where the others listen (notify calls the registers and
// the programmes; under make up with moved ports it called the default
// ports and sent nothing, ADR 0134), all replicas of each, and keeps its
// own address as its *_ADDR.
func TestPlan_ServicesFindEachOtherOnMovedPorts(t *testing.T) {
	bin := t.TempDir()
	for _, n := range []string{"participants", "volunteers", "mentoring", "notify", "gateway"} {
		if err := os.WriteFile(filepath.Join(bin, n), nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"PARTICIPANTS_ADDR": "127.0.0.1:27821", "MENTORING_ADDR": "127.0.0.1:27823",
		"NOTIFY_ADDR": "127.0.0.1:27826", "GATEWAY_ADDR": "127.0.0.1:18080", ReplicaStepVar: "20"}
	ports, err := PortsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	procs, err := Plan(Options{Dir: t.TempDir(), Bin: bin, NATSServer: "nats-server", NATSNodes: 1, PublicKeys: "k", DataKey: "d", Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"notify-2": {"PARTICIPANTS_ADDR=127.0.0.1:27821", "MENTORING_ADDR=static:///127.0.0.1:27823,127.0.0.1:27843",
			"VOLUNTEERS_ADDR=127.0.0.1:7002", "NOTIFY_ADDR=127.0.0.1:27846",
			// its answer links open this layout's gateway, not the default 8080 (ADR 0190)
			"MP_PUBLIC_URL=http://127.0.0.1:18080"},
		"gateway":      {"PARTICIPANTS_ADDR=127.0.0.1:27821", "NOTIFY_ADDR=static:///127.0.0.1:27826,127.0.0.1:27846"},
		"mentoring-1":  {"MENTORING_ADDR=127.0.0.1:27823", "NOTIFY_ADDR=static:///127.0.0.1:27826,127.0.0.1:27846"},
		"participants": {"PARTICIPANTS_ADDR=127.0.0.1:27821", "MENTORING_ADDR=static:///127.0.0.1:27823,127.0.0.1:27843"},
	}
	for _, p := range procs {
		for _, w := range want[p.Name] {
			if !slices.Contains(p.Env, w) {
				t.Errorf("%s: no %s in %v", p.Name, w, p.Env)
			}
		}
		delete(want, p.Name)
	}
	if len(want) > 0 {
		t.Errorf("not planned: %v", want)
	}
}

// TestPlan_Registers: with Registers 2 (make up's, ADR 0268) participants
// and volunteers run twice on their own ports like the matching services,
// and the gateway and every service call both copies.
func TestPlan_Registers(t *testing.T) {
	bin := t.TempDir()
	for _, n := range []string{"participants", "volunteers", "mentoring", "gateway"} {
		if err := os.WriteFile(filepath.Join(bin, n), nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	procs, err := Plan(Options{Dir: t.TempDir(), Bin: bin, NATSServer: "nats-server", NATSNodes: 1, Registers: 2, PublicKeys: "k", DataKey: "d"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range procs {
		names = append(names, p.Name)
		if p.Kind == "redis" || p.Kind == "nats" {
			continue
		}
		for _, want := range []string{"PARTICIPANTS_ADDR=static:///127.0.0.1:7001,127.0.0.1:7101", "VOLUNTEERS_ADDR=static:///127.0.0.1:7002,127.0.0.1:7102"} {
			if p.Kind != "participants" && p.Kind != "volunteers" && !slices.Contains(p.Env, want) {
				t.Errorf("%s env %v: want %s", p.Name, p.Env, want)
			}
		}
		if p.Name == "participants-2" && !slices.Contains(p.Env, "PARTICIPANTS_ADDR=127.0.0.1:7101") {
			t.Errorf("participants-2 env %v: want its own port 7101", p.Env)
		}
	}
	want := "participants-1 participants-2 volunteers-1 volunteers-2 mentoring-1 mentoring-2 gateway"
	if got := strings.Join(names[2:], " "); got != want {
		t.Errorf("services %q, want %q", got, want)
	}
}
