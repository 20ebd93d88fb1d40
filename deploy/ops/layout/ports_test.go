package layout

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeBins writes empty service binaries, so Plan lists their processes.
func fakeBins(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	for _, n := range []string{"participants", "volunteers", "mentoring", "gateway"} {
		if err := os.WriteFile(filepath.Join(bin, n), nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// planned returns every listener name Plan asks a port for, with its port.
func planned(t *testing.T, o Options, ports func(string) int) map[string]int {
	t.Helper()
	got := map[string]int{}
	o.Ports = func(name string) int { got[name] = ports(name); return got[name] }
	if _, err := Plan(o); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPortsFromEnv: without variables every port is the default; each
// variable moves its listener and the later copies with it (NATS nodes 1
// apart, replicas 100 apart); every listener make up binds has a
// variable; a bad value is refused naming its variable.
func TestPortsFromEnv(t *testing.T) {
	t.Parallel()
	o := Options{Dir: t.TempDir(), Bin: fakeBins(t), NATSServer: "nats-server", NATSNodes: 3, PublicKeys: "k", DataKey: "d", Jaeger: "jaeger"}
	none, err := PortsFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	names := planned(t, o, none)
	for name, p := range names {
		if p != Defaults(name) || p == 0 {
			t.Errorf("%s: port %d without variables, want the default %d", name, p, Defaults(name))
		}
		if PortVar(name) == "" {
			t.Errorf("%s: no variable moves it", name)
		}
	}
	env := map[string]string{
		"MP_NATS_PORT": "14222", "MP_NATS_CLUSTER_PORT": "16222", "MP_NATS_MONITOR_PORT": "18222", "MP_REDIS_PORT": "16380",
		"GATEWAY_ADDR": "127.0.0.1:18080", "GATEWAY_METRICS_ADDR": "127.0.0.1:19080", "PARTICIPANTS_ADDR": "localhost:17001",
		"MENTORING_ADDR": ":17003", "MENTORING_METRICS_ADDR": "127.0.0.1:19003", "MP_JAEGER_OTLP_PORT": "14317",
	}
	moved, err := PortsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	got := planned(t, o, moved)
	for name, want := range map[string]int{
		"nats-1": 14222, "nats-3": 14224, "nats-cluster-2": 16223, "nats-monitor-3": 18224, "redis": 16380,
		"gateway": 18080, "gateway-metrics": 19080, "participants": 17001, "mentoring-1": 17003, "mentoring-2": 17103,
		"mentoring-metrics-2": 19103, "jaeger-otlp": 14317,
		"volunteers": Defaults("volunteers"), "jaeger-query": 16686,
	} {
		if got[name] != want {
			t.Errorf("%s: port %d, want %d", name, got[name], want)
		}
	}
	// MP_REPLICA_PORT_STEP brings the replicas (moved or not) closer, so
	// the whole layout fits a range of 100 ports; NATS nodes stay 1 apart.
	env[ReplicaStepVar] = "20"
	stepped, err := PortsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	got = planned(t, o, stepped)
	for name, want := range map[string]int{
		"nats-3": 14224, "mentoring-2": 17023, "mentoring-metrics-2": 19023,
		"participants": 17001,
	} {
		if got[name] != want {
			t.Errorf("%s=20: %s: port %d, want %d", ReplicaStepVar, name, got[name], want)
		}
	}
	for v, val := range map[string]string{
		ReplicaStepVar: "0",
		"MP_NATS_PORT": "nats", "MP_REDIS_PORT": "70000", "GATEWAY_ADDR": "0.0.0.0:8080", "MENTORING_ADDR": "7003",
	} {
		_, err := PortsFromEnv(func(k string) string {
			if k == v {
				return val
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("%s=%q: %v, want an error naming %s", v, val, err, v)
		}
	}
}

// TestCheckPorts_TakenNamesTheVariable: a port make up would bind that is
// in use, or one two listeners would share, stops it with an error naming
// the port and the variable that moves it. Every other listener is moved
// to a free port through its variable, so the test does not depend on
// what else runs on this machine.
func TestCheckPorts_TakenNamesTheVariable(t *testing.T) {
	t.Parallel()
	o := Options{Dir: t.TempDir(), Bin: fakeBins(t), NATSServer: "nats-server", NATSNodes: 1, PublicKeys: "k", DataKey: "d"}
	// envFree sets every variable to a free port (as host:port for the
	// *_ADDR ones). The listeners stay open until all are chosen, so no
	// two variables get the same port.
	envFree := func() map[string]string {
		env := map[string]string{}
		for _, v := range portVars() {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			p := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			if strings.HasSuffix(v, "_ADDR") {
				p = "127.0.0.1:" + p
			}
			env[v] = p
		}
		return env
	}
	check := func(env map[string]string) error {
		ports, err := PortsFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		o := o
		o.Ports = ports
		return CheckPorts(o)
	}
	// settled checks fresh free ports until the answer is about the case
	// the test made (mine) or five tries: a port chosen free may be taken
	// by a parallel package before CheckPorts probes it (CI saw it three
	// times), which other ports rule out; a real fault fails every try.
	settled := func(env func() map[string]string, mine func(error) bool) error {
		var err error
		for range 5 {
			if err = check(env()); mine(err) {
				return err
			}
		}
		return err
	}
	if err := settled(envFree, func(err error) bool { return err == nil }); err != nil {
		t.Fatalf("all ports free: %v", err)
	}
	for _, v := range []string{"MP_NATS_PORT", "MP_NATS_MONITOR_PORT", "MP_REDIS_PORT", "GATEWAY_ADDR", "GATEWAY_METRICS_ADDR", "PARTICIPANTS_ADDR", "MENTORING_ADDR", "VOLUNTEERS_METRICS_ADDR"} {
		t.Run(v, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			err = settled(func() map[string]string {
				env := envFree()
				env[v] = port
				if strings.HasSuffix(v, "_ADDR") {
					env[v] = "127.0.0.1:" + port
				}
				return env
			}, func(err error) bool { return err == nil || strings.Contains(err.Error(), port) })
			if err == nil {
				t.Fatalf("%s on a taken port: make up would start", v)
			}
			for _, want := range []string{port, "already in use", v} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
	// Two listeners on one port: both variables are named.
	err := settled(func() map[string]string {
		env := envFree()
		env["MP_REDIS_PORT"] = strings.TrimPrefix(env["GATEWAY_ADDR"], "127.0.0.1:")
		return env
	}, func(err error) bool { return err == nil || strings.Contains(err.Error(), "MP_REDIS_PORT") })
	if err == nil || !strings.Contains(err.Error(), "MP_REDIS_PORT") || !strings.Contains(err.Error(), "GATEWAY_ADDR") {
		t.Errorf("redis and the gateway on one port: %v, want both variables named", err)
	}
}
