// Package layout runs Mötesplats as separate processes on one machine, the
// way it runs in production: a real nats-server (one node or a cluster of
// three on loopback ports), Debian's redis-server, every service from its
// own binary configured by environment only, two replicas of each matching
// service, and the gateway. `make up` and the operations tests share it,
// so the layout the tests prove is the one operators start.
package layout

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/service"
)

// NewDataKey returns a new MP_DATA_KEY: 32 random bytes in base64.
func NewDataKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Options describe one layout. Ports come from Ports, so a test can use
// free ones and `make up` the defaults.
type Options struct {
	// Dir holds the data (NATS stores), logs, configs and the state file.
	Dir string
	// Bin holds the service binaries (participants, volunteers, mentoring,
	// gateway, ...), named as the services.
	Bin string
	// NATSServer is the nats-server binary.
	NATSServer string
	// NATSNodes is 1 or 3. With 3, streams and buckets get three replicas
	// (MP_REPLICAS=3).
	NATSNodes int
	// Replicas is how many processes run each matching service (default 2).
	Replicas int
	// Registers is how many processes run each register (Single:
	// participants, volunteers). Zero runs one, named without a number
	// ("participants"), as every layout did before ADR 0268; make up runs
	// Replicas of them, as production runs two of everything, so the
	// second copy's index, caches and claims are exercised where
	// operators look.
	Registers int
	// Ports hands out the port of each named listener; nil uses Defaults.
	Ports func(name string) int
	// Env is added to every service's environment (OTEL_EXPORTER_OTLP_ENDPOINT,
	// LOG_LEVEL, ...); MP_ADMIN_EMAIL and MP_ADMIN_PASSWORD to the gateway's
	// alone.
	Env map[string]string
	// SigningKey and PublicKeys are MP_SIGNING_KEY (the gateway's) and
	// MP_PUBLIC_KEYS (BindPublicKeys; with the operators' key of
	// service.AddOperatorKey, which no process of the layout is given:
	// bin/stack's tools sign with it, ADR 0217).
	SigningKey, PublicKeys string
	// NotifySigningKey is notify's own MP_SIGNING_KEY (key id "notify",
	// bound to notify's service subjects, ADR 0210); empty gives notify
	// SigningKey, the shared key of before.
	NotifySigningKey string
	// Netns, when set, runs each NATS node in its own network namespace,
	// joined to the others and to this machine by veth pairs on a bridge
	// (see netns.go), so a node can be cut off (Partition) instead of
	// killed. Needs root and iproute2.
	Netns *Netns
	// DataKey is MP_DATA_KEY, the key that wraps every person's data key
	// (base64 of 32 bytes; see docs/runbook.md).
	DataKey string
	// NATSPasswords, when set, make every NATS node require a user
	// (NATSUsersConfig; ADR 0225, 0226): every process signs in as its
	// own user (its kind: "dinners", "gateway") with that user's
	// password, the operators as service.NATSSystemUser, and a cluster's
	// nodes open their routes as service.NATSRouteUser. It holds a
	// password for each of service.NATSServiceUsers, the system user and
	// the route user; make up keeps them in keys.env. Nil runs NATS
	// without a user, as before.
	NATSPasswords map[string]string
	// LegacyKeys is what the services' users may do in the shared key
	// bucket of before the owners' buckets (ADR 0234's phases, 0239):
	// write and securely delete (the zero value, phases 1 and 2) or only
	// read (phase 3, once `stack rewrap` reports no key of before left).
	LegacyKeys LegacyKeys
	// NATSTLS, when set, is the directory of the NATS nodes' TLS (ADR
	// 0230): Start makes a private CA and a certificate per node there,
	// or keeps those already there (EnsureNATSCerts); every node then
	// requires TLS of its clients and routes, and every process is given
	// the CA (NATS_CA_FILE). Monitoring stays plain, on loopback. An
	// absolute path: the processes read the files from their own
	// directories. Empty runs NATS without TLS, as before.
	NATSTLS string
	// Jaeger, when set, is the jaeger binary (Jaeger v2 all-in-one, built
	// by `make jaeger`): it runs first, and every service exports its
	// spans to it (OTEL_EXPORTER_OTLP_ENDPOINT) unless Env names another
	// receiver. Its UI and query API answer on the "jaeger-query" port.
	Jaeger string
	// Services, when not nil, lists the services to run (names as in
	// service.Known, and "gateway"): a test that needs one service does
	// not wait for the whole system to start. Nil runs every built one.
	Services []string
	// ProcEnv adds to or replaces variables of one process's environment,
	// by process name ("participants": {"NATS_URL": ...}), so a test can
	// send one service's NATS connection through a proxy it controls.
	ProcEnv map[string]map[string]string
}

// runs reports whether the layout runs the service named name.
func (o Options) runs(name string) bool {
	return o.Services == nil || slices.Contains(o.Services, name)
}

// Proc is one process of the layout.
type Proc struct {
	// Name is unique: "nats-1", "redis", "participants", "mentoring-2", "gateway".
	Name string
	// Kind is what runs: "nats", "redis", a service name or "gateway".
	Kind string
	Path string
	Args []string
	Env  []string
	// Addr is the main listener: client port, gRPC or HTTP address.
	Addr string
	// Health is the address of the monitoring port (NATS) or /metrics.
	Health string
	// Config is a file written before start (nats-server's configuration).
	Config, ConfigText string
}

// Log is where the process's stdout and stderr go.
func (p Proc) Log(dir string) string { return filepath.Join(dir, "logs", p.Name+".log") }

// gatewayOnly are the variables of Options.Env that only the gateway
// reads: the first admin's sign-in.
var gatewayOnly = []string{"MP_ADMIN_EMAIL", "MP_ADMIN_PASSWORD"}

// Single are the registers of people: they run Options.Registers times
// (one unless asked). Every other service in service.Known whose binary
// exists is a matching service and runs Options.Replicas times, so
// dinners and guides join by being built.
var Single = []string{service.Participants.Name, service.Volunteers.Name}

// SetupLinkFile is where a layout in dir has the gateway write its
// one-time setup link (mode 0600) when no first admin is given.
func SetupLinkFile(dir string) string { return filepath.Join(dir, "setup-link") }

// Defaults are the ports of `make up`: the services' own defaults, the
// second replica of a matching service 100 above, NATS 4222 (then 4223,
// 4224), the cluster routes 6222+, monitoring 8222+, Redis 6380 (so a
// system redis on 6379 is left alone), metrics per service.Known.
func Defaults(name string) int {
	base, n := splitName(name)
	switch base {
	case "nats":
		return 4221 + n
	case "nats-cluster":
		return 6221 + n
	case "nats-monitor":
		return 8221 + n
	case "redis":
		return 6380
	case "gateway":
		return 8080
	case "jaeger-otlp":
		return 4317
	case "jaeger-query":
		return 16686
	case "jaeger-query-grpc":
		return 16685
	case "gateway-metrics":
		return portOf(service.DefaultMetricsAddr("gateway"))
	}
	for _, s := range service.Known() {
		switch base {
		case s.Name:
			return portOf(s.Addr) + 100*(n-1)
		case s.Name + "-metrics":
			return portOf(service.DefaultMetricsAddr(s.Name)) + 100*(n-1)
		}
	}
	return 0
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

func loop(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// nodeAddr is NATS node i's address: loopback, or its namespace's.
func nodeAddr(o Options, i, port int) string {
	if o.Netns != nil {
		return net.JoinHostPort(o.Netns.NodeIP(i), strconv.Itoa(port))
	}
	return loop(port)
}

// Plan lists the processes in start order: NATS nodes (and Jaeger), Redis, the
// registers, the matching services, the gateway.
func Plan(o Options) ([]Proc, error) {
	if o.NATSNodes != 1 && o.NATSNodes != 3 {
		return nil, fmt.Errorf("layout: NATS nodes must be 1 or 3, not %d", o.NATSNodes)
	}
	if o.NATSPasswords != nil {
		for _, u := range append(service.NATSServiceUsers(), service.NATSSystemUser, service.NATSRouteUser) {
			if o.NATSPasswords[u] == "" {
				// A user without a password would let anyone in as it.
				return nil, fmt.Errorf("layout: NATS has users but no password for %s", u)
			}
		}
	}
	if o.NATSTLS != "" && !filepath.IsAbs(o.NATSTLS) {
		return nil, fmt.Errorf("layout: the NATS TLS directory %q is not an absolute path", o.NATSTLS)
	}
	if o.Replicas <= 0 {
		o.Replicas = 2
	}
	if o.Ports == nil {
		o.Ports = Defaults
	}
	var procs []Proc
	var urls, routes []string
	for i := 1; i <= o.NATSNodes; i++ {
		urls = append(urls, "nats://"+nodeAddr(o, i, o.Ports(fmt.Sprintf("nats-%d", i))))
		routes = append(routes, "nats://"+nodeAddr(o, i, o.Ports(fmt.Sprintf("nats-cluster-%d", i))))
	}
	for i := 1; i <= o.NATSNodes; i++ {
		name := fmt.Sprintf("nats-%d", i)
		conf := filepath.Join(o.Dir, "conf", name+".conf")
		path, args := o.NATSServer, []string{"-c", conf}
		if o.Netns != nil {
			// ip execs nats-server inside the namespace: the pid is the
			// server's own, so Kill is a kill -9 of the node.
			path, args = "ip", append([]string{"netns", "exec", o.Netns.ns(i), o.NATSServer}, args...)
		}
		procs = append(procs, Proc{
			Name: name, Kind: "nats", Path: path, Args: args,
			Addr: nodeAddr(o, i, o.Ports(name)), Health: nodeAddr(o, i, o.Ports(fmt.Sprintf("nats-monitor-%d", i))),
			Config: conf, ConfigText: natsConfig(o, i, routes),
		})
	}
	if o.Jaeger != "" {
		procs = append(procs, jaegerProc(o))
	}
	redisPath := "redis-server"
	if p, err := osexec.LookPath("redis-server"); err == nil {
		redisPath = p
	}
	redis := Proc{
		Name: "redis", Kind: "redis", Path: redisPath, Addr: loop(o.Ports("redis")),
		Args: []string{"--port", strconv.Itoa(o.Ports("redis")), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", filepath.Join(o.Dir, "redis")},
	}
	procs = append(procs, redis)

	common := map[string]string{
		"NATS_URL":       strings.Join(urls, ","),
		"REDIS_URL":      "redis://" + redis.Addr + "/0",
		"MP_PUBLIC_KEYS": o.PublicKeys,
		"MP_REPLICAS":    strconv.Itoa(o.NATSNodes),
		"MP_DATA_KEY":    o.DataKey,
	}
	if o.NATSTLS != "" {
		common[service.NATSCAFileEnv] = NATSCAFile(o.NATSTLS)
	}
	if o.Jaeger != "" {
		common["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://" + loop(o.Ports("jaeger-otlp"))
	}
	// The first admin's e-mail and password are the gateway's alone: given
	// to every process they sat in eleven environments and state entries
	// that never read them (ADR 0191).
	gwOnly := map[string]string{}
	for k, v := range o.Env {
		if slices.Contains(gatewayOnly, k) {
			gwOnly[k] = v
			continue
		}
		common[k] = v
	}
	// Where every service is found, by its *_ADDR: all its replicas
	// (round robin, skipping one that is down). The gateway and notify
	// call the others; with the ports moved, notify was not told and
	// called the default ports, so no message was ever sent, and the
	// gateway called only the first replica, so a kill -9 of mentoring-1
	// made matching unavailable though mentoring-2 served (ADR 0134).
	targets := map[string]string{}
	for _, s := range service.Known() {
		if n := o.copies(s); n > 0 {
			var addrs []string
			for i := 1; i <= n; i++ {
				addrs = append(addrs, loop(o.Ports(suffix(s.Name, i, n))))
			}
			targets[s.Env] = grpcx.StaticTarget(addrs...)
		}
	}
	gwEnv := map[string]string{"MP_SIGNING_KEY": o.SigningKey, "GATEWAY_ADDR": loop(o.Ports("gateway")),
		service.MetricsEnv: loop(o.Ports("gateway-metrics"))}
	maps.Copy(gwEnv, targets)
	maps.Copy(gwEnv, gwOnly)
	// Without a first admin given, the gateway's one-time setup link goes
	// to a file only the operator can read: its output is a kept log, to
	// which the gateway will not print it, so without the file nobody
	// could sign in to a make up that was not seeded.
	if gwOnly["MP_ADMIN_EMAIL"] == "" {
		gwEnv["MP_SETUP_LINK_FILE"] = SetupLinkFile(o.Dir)
	}
	for _, s := range service.Known() {
		n := o.copies(s)
		if n == 0 {
			continue // not built (a programme that does not exist yet), or not asked for
		}
		path := filepath.Join(o.Bin, s.Name)
		for i := 1; i <= n; i++ {
			name := s.Name
			if n > 1 {
				name = fmt.Sprintf("%s-%d", s.Name, i)
			}
			addr := loop(o.Ports(suffix(s.Name, i, n)))
			env := map[string]string{s.Env: addr, service.MetricsEnv: loop(o.Ports(suffix(s.Name+"-metrics", i, n)))}
			if s.Name == service.Notify.Name {
				// notify signs its own service tokens and answer links;
				// its replicas share one link key.
				env["MP_SIGNING_KEY"], env["MP_LINK_KEY_FILE"] = o.SigningKey, filepath.Join(o.Dir, "link.key")
				if o.NotifySigningKey != "" {
					env["MP_SIGNING_KEY"], env["MP_SIGNING_KEY_ID"] = o.NotifySigningKey, NotifyKeyID
				}
				// Its answer links open this layout's gateway: notify's
				// own default is 127.0.0.1:8080, so with GATEWAY_ADDR
				// moved every link in every message opened another stack
				// or nothing (ADR 0190, 0191). An MP_PUBLIC_URL of the caller's
				// (a proxy in front) is kept.
				if common["MP_PUBLIC_URL"] == "" {
					env["MP_PUBLIC_URL"] = "http://" + gwEnv["GATEWAY_ADDR"]
				}
			}
			maps.Copy(env, o.natsUser(s.Name))
			procs = append(procs, Proc{Name: name, Kind: s.Name, Path: path, Addr: addr, Health: env[service.MetricsEnv],
				Env: environ(common, targets, env, o.ProcEnv[name])})
		}
	}
	gw := filepath.Join(o.Bin, "gateway")
	if _, err := os.Stat(gw); err == nil && o.runs("gateway") {
		procs = append(procs, Proc{Name: "gateway", Kind: "gateway", Path: gw, Addr: gwEnv["GATEWAY_ADDR"],
			Health: gwEnv[service.MetricsEnv], Env: environ(common, gwEnv, o.natsUser("gateway"), o.ProcEnv["gateway"])})
	}
	return procs, nil
}

// natsUser is the NATS_USER and NATS_PASSWORD of a process of kind
// (ADR 0226): its own user, none when NATS has no users; and with TLS
// its user's client certificate, NATS_CERT_FILE and NATS_KEY_FILE.
func (o Options) natsUser(kind string) map[string]string {
	env := map[string]string{}
	if o.NATSTLS != "" {
		// Its own client certificate (ADR 0276), which the nodes verify.
		env[service.NATSCertFileEnv], env[service.NATSKeyFileEnv] = NATSClientFiles(o.NATSTLS, kind)
	}
	if o.NATSPasswords != nil {
		env[service.NATSUserEnv], env[service.NATSPasswordEnv] = kind, o.NATSPasswords[kind]
	}
	return env
}

// suffix names replica i of n for Ports: "mentoring-2"; a single copy
// keeps the bare name.
// copies is how many processes of s the layout runs: 0 when its binary
// is not built (a programme that does not exist yet) or it is not asked
// for, Registers (at least 1) for the registers, Replicas for the others.
func (o Options) copies(s service.Info) int {
	if _, err := os.Stat(filepath.Join(o.Bin, s.Name)); err != nil || !o.runs(s.Name) {
		return 0
	}
	if slices.Contains(Single, s.Name) {
		return max(o.Registers, 1)
	}
	return o.Replicas
}

func suffix(name string, i, n int) string {
	if n == 1 {
		return name
	}
	return fmt.Sprintf("%s-%d", name, i)
}

// environ is the process environment: only what the layout sets, plus
// PATH, HOME and TMPDIR, so nothing of the caller's shell leaks in and the
// processes are configured exactly as the images are. A later map's value
// replaces an earlier one's: each variable appears once.
func environ(ms ...map[string]string) []string {
	vars := map[string]string{}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			vars[k] = v
		}
	}
	for _, m := range ms {
		maps.Copy(vars, m)
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	return env
}

// natsConfig is node i's configuration: JetStream with fsync on every
// write (an acknowledged write survives a kill -9 of every node), the
// users when there are passwords, TLS for clients and routes with
// Options.NATSTLS, and the cluster routes when there are three. The file is mode 0600 (Start), as keys.env.
func natsConfig(o Options, i int, routes []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: n%d\nlisten: %s\nhttp: %s\n", i,
		nodeAddr(o, i, o.Ports(fmt.Sprintf("nats-%d", i))), nodeAddr(o, i, o.Ports(fmt.Sprintf("nats-monitor-%d", i))))
	fmt.Fprintf(&b, "jetstream {\n  store_dir: %q\n  sync_interval: always\n}\n", filepath.Join(o.Dir, "nats", fmt.Sprintf("n%d", i)))
	if o.NATSPasswords != nil {
		b.WriteString(NATSUsersConfig(func(u string) string { return fmt.Sprintf("%q", o.NATSPasswords[u]) }, false, o.LegacyKeys))
	}
	if o.NATSTLS != "" {
		// Clients in TLS only (ADR 0230): the passwords and every
		// message, sealed or not, are encrypted on the wire.
		b.WriteString(natsTLSBlock(o, i, ""))
	}
	if len(routes) > 1 {
		fmt.Fprintf(&b, "cluster {\n  name: motesplats\n  listen: %s\n", strings.TrimPrefix(routes[i-1], "nats://"))
		// The routes authenticate (ADR 0226): a node accepts a route
		// only as the route user, and opens its own with that user's
		// password in the URL, which is how nats-server sends it.
		cred := ""
		if p := o.NATSPasswords[service.NATSRouteUser]; p != "" {
			fmt.Fprintf(&b, "  authorization {user: %s, password: %q}\n", service.NATSRouteUser, p)
			cred = url.UserPassword(service.NATSRouteUser, p).String() + "@"
		}
		if o.NATSTLS != "" {
			// Routes in TLS, each node proving itself with its
			// certificate of the layout's CA (nats-server verifies both
			// ends of a route).
			b.WriteString(natsTLSBlock(o, i, "  "))
		}
		b.WriteString("  routes: [\n")
		for j, r := range routes {
			if j != i-1 {
				fmt.Fprintf(&b, "    %q\n", "nats://"+cred+strings.TrimPrefix(r, "nats://"))
			}
		}
		b.WriteString("  ]\n}\n")
	}
	return b.String()
}
