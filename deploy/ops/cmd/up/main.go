// Command up starts Mötesplats as separate processes on this machine and
// returns, leaving them running (`make up`), or stops them (`make down`).
// See docs/runbook.md and package layout.
package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "up:", err)
		os.Exit(1)
	}
}

// passThrough are the caller's variables handed to the services: where
// telemetry goes, how much to log, the first admin (to the gateway alone,
// layout.Plan), and where notify's links point and its messages go (a
// real SMTP relay or SMS account instead of the development mailbox; only
// notify reads those, and without them make up could not send one
// message for real, ADR 0190).
var passThrough = []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "LOG_LEVEL", "MP_ADMIN_EMAIL", "MP_ADMIN_PASSWORD",
	"MP_PUBLIC_URL", "MP_SMTP_URL", "MP_SMS_URL"}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	dir := fs.String("dir", ".tmp/up", "data, logs and the state file")
	bin := fs.String("bin", "bin", "the service binaries")
	natsServer := fs.String("nats-server", ".tmp/bin/nats-server", "the nats-server binary")
	nodes := fs.Int("nats-nodes", 1, "NATS nodes: 1, or 3 for a cluster with R3 streams and buckets")
	replicas := fs.Int("replicas", 2, "processes per service: the matching services and the registers (participants, volunteers) alike")
	jaeger := fs.String("jaeger", "", "the jaeger binary: run Jaeger all-in-one first and send every service's spans to it")
	legacyKeys := fs.String("legacy-keys", "writable", "the shared key bucket of before, KV_data_keys, for the services' NATS users: "+
		"writable, or read-only once stack rewrap reports no key of before left (ADR 0234's phase 3, docs/runbook.md)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var legacy layout.LegacyKeys
	switch *legacyKeys {
	case "writable":
	case "read-only":
		legacy = layout.LegacyKeysReadOnly
	default:
		return fmt.Errorf("-legacy-keys is writable or read-only, not %q", *legacyKeys)
	}
	// NATS' TLS (ADR 0230): a private CA and each node's certificate,
	// beside keys.env and kept with it; every process and the tools
	// sourcing keys.env trust the CA, and each presents its user's
	// client certificate (ADR 0276).
	tlsDir, err := filepath.Abs(filepath.Join(*dir, "tls"))
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "renew-certs":
		// Every NATS certificate issued again by the same CA and loaded
		// by the running nodes without a restart (make renew-certs).
		return layout.RenewNATSCerts(*dir, tlsDir, out)
	case "stop":
		return layout.StopDir(*dir, out)
	case "restart":
		// One process that died, as start ran it (make restart P=name).
		if fs.NArg() != 2 {
			return fmt.Errorf("restart wants the name of one process (make restart P=mentoring-1)")
		}
		return layout.RestartDir(ctx, *dir, fs.Arg(1), out)
	case "start":
	default:
		return fmt.Errorf("want start, stop, restart or renew-certs, not %q", fs.Arg(0))
	}
	if _, err := os.Stat(filepath.Join(*dir, layout.StateFile)); err == nil {
		return fmt.Errorf("already up (%s exists): make down first", filepath.Join(*dir, layout.StateFile))
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	toolsCert, toolsKey := layout.NATSClientFiles(tlsDir, service.NATSToolsUser)
	ks, err := keys(filepath.Join(*dir, "keys.env"), service.NATSCAFileEnv+"="+layout.NATSCAFile(tlsDir),
		service.NATSCertFileEnv+"="+toolsCert, service.NATSKeyFileEnv+"="+toolsKey)
	if err != nil {
		return err
	}
	env := ks.rotation
	for _, k := range passThrough {
		if v := getenv(k); v != "" {
			env[k] = v
		}
	}
	o := layout.Options{
		Dir: *dir, Bin: *bin, NATSServer: *natsServer, NATSNodes: *nodes, Replicas: *replicas, Registers: *replicas,
		Env: env, SigningKey: ks.signing, NotifySigningKey: ks.notify, PublicKeys: ks.public, DataKey: ks.data, Jaeger: *jaeger,
		NATSPasswords: ks.nats, NATSTLS: tlsDir, LegacyKeys: legacy,
	}
	// Every port moves by a variable (layout.PortVar); a taken one stops
	// the start before any process runs, naming its variable.
	if o.Ports, err = layout.PortsFromEnv(getenv); err != nil {
		return err
	}
	if err := layout.CheckPorts(o); err != nil {
		return err
	}
	r, err := layout.Start(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Mötesplats is up as %d processes (data and logs in %s):\n", len(r.Procs), *dir)
	if w := layout.NATSCAWarning(tlsDir); w != "" {
		// A CA near its end is said at every start, never replaced by
		// itself (ADR 0241).
		fmt.Fprintln(out, w)
	}
	var nats []string
	for _, p := range r.Procs {
		extra := ""
		if p.Health != "" {
			// Jaeger's is its query API, not metrics.
			extra = "  (" + map[string]string{"nats": "monitor", "jaeger": "query"}[p.Kind]
			if p.Kind != "nats" && p.Kind != "jaeger" {
				extra = "  (metrics"
			}
			extra += " " + p.Health + ")"
		}
		pid := r.Pid(p.Name)
		if pid == 0 {
			// It was ready, then exited before the last one was: say so,
			// where "pid 0" alone went unnoticed (ADR 0134).
			extra += fmt.Sprintf("  EXITED: see %s; make restart P=%s", p.Log(*dir), p.Name)
		}
		fmt.Fprintf(out, "  %-14s %-16s pid %-7d%s\n", p.Name, p.Addr, pid, extra)
		if p.Kind == "nats" {
			nats = append(nats, "nats://"+p.Addr)
		}
	}
	// In a subshell each: the file holds every process's key, and a shell
	// that sourced it would keep the gateway's signing key and the data key
	// for whatever runs there next (found from outside, ADR 0219).
	keys := filepath.Join(*dir, "keys.env")
	fmt.Fprintf(out, "Keys are in %s. Seed demo data and mint a token:\n", keys)
	fmt.Fprintf(out, "  (set -a; . %s; %sbin/stack seed -nats %s)\n", keys, movedAddrs(getenv), nats[0])
	fmt.Fprintf(out, "  TOKEN=$(set -a; . %s; bin/stack token)\n", keys)
	// NATS requires a user (ADR 0225, 0226) and TLS (ADR 0230): keys.env
	// has the tools' own user and the CA's file, so the tools sourcing it
	// sign in, and the operators' reports need the system user.
	fmt.Fprintf(out, "NATS requires TLS, a client certificate and a user (NATS_USER=%s, NATS_PASSWORD, NATS_CA_FILE, NATS_CERT_FILE and NATS_KEY_FILE in %s, the tools'); the server's reports the system user's:\n",
		service.NATSToolsUser, keys)
	fmt.Fprintf(out, "  (set -a; . %s; nats -s %s --tlsca \"$NATS_CA_FILE\" --tlscert \"$NATS_CERT_FILE\" --tlskey \"$NATS_KEY_FILE\" --user sys --password \"$NATS_SYS_PASSWORD\" server report jetstream)\n", keys, nats[0])
	fmt.Fprintln(out, "make renew-certs issues every NATS certificate again (same CA) and has the nodes load them, nothing restarted.")
	fmt.Fprint(out, setupLinkHint(*dir, getenv))
	if p, ok := r.Proc("jaeger"); ok {
		fmt.Fprintf(out, "Traces: http://%s/api/traces?service=gateway (Jaeger's query API; /api/traces/<trace_id> from a log line)\n", p.Health)
	}
	fmt.Fprintln(out, "make down stops it.")
	return nil
}

// setupLinkHint is make up's line pointing to the one-time setup link,
// "" when there is none to open: MP_ADMIN_EMAIL makes the first admin, and
// a gateway that finds an account (a seeded or used stack started again)
// removes the file before it serves (ADR 0218), so a line naming it sent
// the operator to a file that was gone (outside round s45).
func setupLinkHint(dir string, getenv func(string) string) string {
	file := layout.SetupLinkFile(dir)
	if getenv("MP_ADMIN_EMAIL") != "" {
		return ""
	}
	if _, err := os.Stat(file); err != nil {
		return ""
	}
	return fmt.Sprintf("Or, without the demo data, open the one-time link in %s to create the first admin.\n", file)
}

// movedAddrs is the services' and the gateway's *_ADDR variables the
// caller set, as a command prefix ("PARTICIPANTS_ADDR=127.0.0.1:17001 "),
// for the seed line make up prints: bin/stack seed calls the services at
// their *_ADDR, so with ports moved on make's command line (not exported)
// the printed line called the default ports (ADR 0193).
func movedAddrs(getenv func(string) string) string {
	vars := []string{}
	for _, s := range service.Known() {
		vars = append(vars, s.Env)
	}
	var b strings.Builder
	for _, v := range append(vars, "GATEWAY_ADDR") {
		if a := getenv(v); a != "" {
			b.WriteString(v + "=" + a + " ")
		}
	}
	return b.String()
}

// rotationVars are the variables of a key rotation (docs/runbook.md,
// "Rotating keys") that keys.env may carry beside the keys: without
// them a data key rotation under make up left every process unable to
// unwrap the keys wrapped by the old one, and a new signing key could not
// get a key id of its own.
var rotationVars = []string{"MP_DATA_KEY_OLD", "MP_SIGNING_KEY_ID"}

// keySet is what keys.env holds: the gateway's signing key, notify's own
// (ADR 0210), the operators' own for bin/stack's tools (ADR 0217; no
// process of the layout is given it), the public keys each bound to what
// it may sign, the data key, the NATS users' passwords (ADR 0225, 0226),
// and the rotation variables.
type keySet struct {
	signing, notify, operator, public, data string
	// nats are the NATS users' passwords by user (layout's
	// NATSPasswords), kept as NATS_<USER>_PASSWORD: each service's, the
	// tools', the system user's and the routes'. keys.env also says
	// NATS_USER and NATS_PASSWORD, the tools', so a shell that sources it
	// signs bin/stack's tools in.
	nats     map[string]string
	rotation map[string]string
}

// natsUsers are the users keys.env keeps a password for.
func natsUsers() []string {
	return append(service.NATSServiceUsers(), service.NATSSystemUser, service.NATSRouteUser)
}

// keys reads the layout's keys, or creates them on the first start so
// tokens and sealed data stay readable across restarts. A keys.env of
// before ADR 0210 (one signing key, shared by notify, its public key
// unbound) gains a key of notify's own and the bindings, and one of
// before ADR 0217 the operators' key, in place: the other lines are kept.
//
// extra are "NAME=value" lines keys.env says after NATS_USER and
// NATS_PASSWORD, rewritten on every start (make up's NATS_CA_FILE, ADR
// 0230, so the tools sourcing keys.env trust make up's CA).
func keys(path string, extra ...string) (keySet, error) {
	ks := keySet{rotation: map[string]string{}, nats: map[string]string{}}
	byVar := map[string]string{}
	for _, u := range natsUsers() {
		byVar[service.NATSPasswordVar(u)] = u
	}
	extraVars := map[string]string{}
	for _, x := range extra {
		k, v, _ := strings.Cut(x, "=")
		extraVars[k] = v
	}
	complete := true // every extra line is there as it would be written
	b, err := os.ReadFile(path)
	var lines []string
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, "=")
			switch k {
			case "MP_SIGNING_KEY":
				ks.signing = v
			case "MP_NOTIFY_SIGNING_KEY":
				ks.notify = v
			case "MP_OPERATOR_SIGNING_KEY":
				ks.operator = v
			case "MP_PUBLIC_KEYS":
				ks.public = v
			case "MP_DATA_KEY":
				ks.data = v
			case service.NATSUserEnv, service.NATSPasswordEnv:
				// written again below, as the tools' (before ADR 0226
				// they were the one user's of every process)
			default:
				if want, ok := extraVars[k]; ok {
					complete = complete && want == v
					delete(extraVars, k)
					continue
				}
				if u, ok := byVar[k]; ok {
					ks.nats[u] = v
					continue
				}
				if line != "" {
					lines = append(lines, line)
				}
			}
			if slices.Contains(rotationVars, k) && v != "" {
				ks.rotation[k] = v
			}
		}
		if ks.signing != "" && ks.public != "" && ks.data != "" && ks.notify != "" && ks.operator != "" && len(ks.nats) == len(natsUsers()) &&
			complete && len(extraVars) == 0 {
			return ks, nil
		}
	}
	if ks.signing == "" || ks.public == "" || ks.data == "" {
		// Nothing usable: a new set.
		k, err := auth.GenerateKey()
		if err != nil {
			return keySet{}, err
		}
		if ks.data, err = layout.NewDataKey(); err != nil {
			return keySet{}, err
		}
		ks.signing, ks.public, ks.notify, ks.operator = auth.EncodePrivateKey(k), "local="+auth.EncodePublicKey(k.Public().(ed25519.PublicKey)), "", ""
	}
	if ks.notify == "" {
		n, err := auth.GenerateKey()
		if err != nil {
			return keySet{}, err
		}
		ks.notify = auth.EncodePrivateKey(n)
		ks.public = layout.BindPublicKeys(ks.public, n.Public().(ed25519.PublicKey))
	}
	if ks.operator == "" {
		if service.HasKeyID(ks.public, service.OperatorKeyID) {
			// Its private half is gone: a new key under the same id would
			// not verify. The operator edits keys.env (docs/runbook.md).
			return keySet{}, fmt.Errorf("%s: MP_PUBLIC_KEYS names an operator key but MP_OPERATOR_SIGNING_KEY is missing: "+
				"put it back, or remove the operator entry to make a new one", path)
		}
		o, err := auth.GenerateKey()
		if err != nil {
			return keySet{}, err
		}
		ks.operator = auth.EncodePrivateKey(o)
		ks.public = service.AddOperatorKey(ks.public, o.Public().(ed25519.PublicKey))
	}
	// A keys.env of before ADR 0225 or 0226 gains the NATS passwords it
	// lacks: its store, written with one user or none, is in the global
	// account, which every user signs in to, so nothing in it is lost.
	head := []string{"MP_SIGNING_KEY=" + ks.signing, "MP_NOTIFY_SIGNING_KEY=" + ks.notify, "MP_OPERATOR_SIGNING_KEY=" + ks.operator,
		"MP_PUBLIC_KEYS=" + ks.public, "MP_DATA_KEY=" + ks.data}
	for _, u := range natsUsers() {
		if ks.nats[u] == "" {
			if ks.nats[u], err = service.NewNATSPassword(); err != nil {
				return keySet{}, err
			}
		}
		head = append(head, service.NATSPasswordVar(u)+"="+ks.nats[u])
	}
	head = append(head, service.NATSUserEnv+"="+service.NATSToolsUser, service.NATSPasswordEnv+"="+ks.nats[service.NATSToolsUser])
	head = append(head, extra...)
	lines = append(head, lines...)
	return ks, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}
