package layout

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/motesplats/motesplats/pkg/service"
)

// A listener of `make up` is named as Options.Ports asks for it: a base
// ("nats", "mentoring-metrics") and, for NATS nodes and replicas, the copy
// ("-2"). Each base is moved by one variable; the other copies follow it
// (NATS nodes 1 apart, replicas 100 apart or MP_REPLICA_PORT_STEP).

// ReplicaStepVar moves the later replicas closer to the first: 100 apart
// does not fit a machine where make up may only use a range of 100 ports.
const ReplicaStepVar = "MP_REPLICA_PORT_STEP"

// portVars names, by base, the variable that moves it: the services' own
// <NAME>_ADDR and GATEWAY_ADDR (what `make run` and the binaries read),
// MP_NATS_PORT as in the embedded stack, and names of the same pattern
// for what only `make up` binds.
func portVars() map[string]string {
	vars := map[string]string{
		"nats":              "MP_NATS_PORT",
		"nats-cluster":      "MP_NATS_CLUSTER_PORT",
		"nats-monitor":      "MP_NATS_MONITOR_PORT",
		"redis":             "MP_REDIS_PORT",
		"gateway":           "GATEWAY_ADDR",
		"gateway-metrics":   "GATEWAY_METRICS_ADDR",
		"jaeger-otlp":       "MP_JAEGER_OTLP_PORT",
		"jaeger-query":      "MP_JAEGER_QUERY_PORT",
		"jaeger-query-grpc": "MP_JAEGER_QUERY_GRPC_PORT",
	}
	for _, s := range service.Known() {
		vars[s.Name] = s.Env
		vars[s.Name+"-metrics"] = metricsVar(s.Name)
	}
	return vars
}

// metricsVar is the variable of a service's /metrics port under make up:
// METRICS_ADDR is one per process, and make up runs many.
func metricsVar(name string) string { return strings.ToUpper(name) + "_METRICS_ADDR" }

// splitName is a Ports name's base and copy number (1 when it has none).
func splitName(name string) (string, int) {
	if i := strings.LastIndex(name, "-"); i > 0 {
		if k, err := strconv.Atoi(name[i+1:]); err == nil {
			return name[:i], k
		}
	}
	return name, 1
}

// step is how far apart the copies of base are.
func step(base string) int {
	if strings.HasPrefix(base, "nats") {
		return 1
	}
	return 100
}

// PortVar names the variable that moves the listener name (a Ports name
// such as "nats-2" or "mentoring-metrics-2"), or "" for none.
func PortVar(name string) string {
	base, _ := splitName(name)
	return portVars()[base]
}

// PortsFromEnv returns the ports of `make up`: Defaults, with every base
// whose variable is set moved to it (a *_ADDR as host:port on loopback, a
// *_PORT as a number). A value that is neither is an error naming its
// variable.
func PortsFromEnv(getenv func(string) string) (func(string) int, error) {
	moved := map[string]int{}
	for base, v := range portVars() {
		s := getenv(v)
		if s == "" {
			continue
		}
		p, err := parsePort(v, s)
		if err != nil {
			return nil, err
		}
		moved[base] = p
	}
	replicaStep := 0
	if s := getenv(ReplicaStepVar); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return nil, fmt.Errorf("%s=%q: want a step from 1 to 1000", ReplicaStepVar, s)
		}
		replicaStep = n
	}
	return func(name string) int {
		base, n := splitName(name)
		st := step(base)
		if replicaStep > 0 && st != 1 {
			st = replicaStep
		}
		first, ok := moved[base]
		if !ok {
			if replicaStep == 0 {
				return Defaults(name)
			}
			first = Defaults(base)
		}
		return first + st*(n-1)
	}, nil
}

func parsePort(v, s string) (int, error) {
	port := s
	if strings.HasSuffix(v, "_ADDR") {
		host, p, err := net.SplitHostPort(s)
		if err != nil || (host != "" && host != "127.0.0.1" && host != "localhost") {
			return 0, fmt.Errorf("%s=%q: make up wants 127.0.0.1:<port> (it listens on loopback only)", v, s)
		}
		port = p
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%s=%q: want a port from 1 to 65535", v, s)
	}
	return n, nil
}

// CheckPorts plans o and tries every loopback port it would bind, so a
// port in use, or one two listeners would share, stops `make up` before
// anything starts, naming the variable that moves it (as the embedded
// stack names MP_NATS_PORT and GATEWAY_ADDR). Ports of NATS nodes in
// network namespaces are not on loopback and are not checked.
func CheckPorts(o Options) error {
	ports := o.Ports
	if ports == nil {
		ports = Defaults
	}
	var names []string
	asked := map[string]int{}
	o.Ports = func(name string) int {
		p := ports(name)
		if _, ok := asked[name]; !ok {
			asked[name] = p
			names = append(names, name)
		}
		return p
	}
	if _, err := Plan(o); err != nil {
		return err
	}
	owner := map[int]string{}
	for _, name := range names {
		if o.Netns != nil && strings.HasPrefix(name, "nats") || o.NATSNodes == 1 && strings.HasPrefix(name, "nats-cluster") {
			continue // not on loopback; or no cluster, so no route port
		}
		p := asked[name]
		if other, ok := owner[p]; ok {
			return fmt.Errorf("port %d is wanted by both %s and %s: set %s or %s to another port", p, other, name, PortVar(other), PortVar(name))
		}
		owner[p] = name
		l, err := net.Listen("tcp", loop(p))
		if err != nil {
			return fmt.Errorf("port %d (%s) is already in use: set %s to move it%s", p, name, PortVar(name), copyNote(name, p-asked[firstCopy(name)]))
		}
		_ = l.Close()
	}
	return nil
}

// firstCopy is the name of the first copy of name's base.
func firstCopy(name string) string {
	base, _ := splitName(name)
	return base + "-1"
}

// copyNote explains a later copy's port, which follows the first's by
// above.
func copyNote(name string, above int) string {
	base, n := splitName(name)
	if n == 1 {
		return ""
	}
	note := fmt.Sprintf(" (copy %d of %s listens %d above the first", n, base, above)
	if step(base) != 1 {
		note += "; " + ReplicaStepVar + " sets the distance"
	}
	return note + ")"
}
