package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/echo"
	"github.com/motesplats/motesplats/pkg/events"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/service"
)

// loadOptions are the load run's flags (make load).
type loadOptions struct {
	// org is the organisation the creates register their newcomers in
	// (probeOrganisation), not a flag.
	org        string
	natsCLI    string
	benchMsgs  int
	step       time.Duration
	firstRate  int
	maxRate    int
	p99Limit   time.Duration
	getRounds  int
	getDur     time.Duration
	workers    int
	cpuProfile string
	execTrace  string
	memProfile string
	timeline   string
	keep       bool
	// natsURL, when set, is a running system's NATS to run against
	// (loadAgainst) instead of a private stack.
	natsURL string
}

// loadRun is `stack load` (make load): it starts a private stack on free
// loopback ports with its data in a new directory, a bare echo server
// beside it, and prints, from that one run:
//
//  1. natscli's `nats bench js pub sync --clients 8` against the stack's
//     own embedded NATS (same store directory, same disk, fsync on every
//     write), before and after the creates;
//  2. the durable writes one CreateParticipant makes, per stream;
//  3. creates at increasing rates: creates/s sustained and p50/p99 from
//     sending the request to a durable consumer handling its event, beside
//     half the bench's rate (the target) and p99 <= 50 ms;
//  4. a cached GetParticipant (sealing on) against the bare echo server,
//     closed loop, alternating rounds, beside 60% of echo (the target).
//
// Everything stays on 127.0.0.1 and stops by itself.
func loadRun(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	var o loadOptions
	fs.StringVar(&o.natsCLI, "nats-cli", "nats", "natscli binary (make load installs it into .tmp/bin)")
	fs.IntVar(&o.benchMsgs, "bench-msgs", 6000, "messages per nats bench run")
	fs.DurationVar(&o.step, "step", 5*time.Second, "how long each create rate is held")
	fs.IntVar(&o.firstRate, "rate", 25, "first create rate (per second); each next step is 1.4 times it")
	fs.IntVar(&o.maxRate, "max-rate", 4000, "highest create rate tried")
	fs.DurationVar(&o.p99Limit, "p99", 50*time.Millisecond, "p99 send->consumer a rate must keep to count as sustained")
	fs.IntVar(&o.getRounds, "get-rounds", 3, "alternating rounds of cached Get and echo")
	fs.DurationVar(&o.getDur, "get-duration", 3*time.Second, "length of each Get or echo round")
	fs.IntVar(&o.workers, "workers", 32, "concurrent callers in the Get and echo rounds")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the create phase (stack and load driver) here")
	fs.StringVar(&o.execTrace, "trace", "", "write a Go execution trace of the create phase here (go tool trace; -pprof=syscall|sync|sched)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile here after the create phase (what the collector scans: go tool pprof -sample_index=inuse_space)")
	fs.StringVar(&o.timeline, "timeline", "", "write every create's timing here as CSV (rate, sent ms into the step, send->answer ms, send->consumer ms): when the slow ones were sent")
	fs.BoolVar(&o.keep, "keep", false, "keep the data directory")
	fs.StringVar(&o.natsURL, "nats", "", "a running system's NATS (make up's): run against it and its services (PARTICIPANTS_ADDR, "+
		"VOLUNTEERS_ADDR, signing in with NATS_USER, NATS_PASSWORD and NATS_CA_FILE) instead of a private stack; "+
		"the CPU figures are then this process's alone")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.firstRate < 1 || o.maxRate < o.firstRate || o.step <= 0 || o.benchMsgs < 8 {
		return errors.New("load: want 1 <= rate <= max-rate, step > 0, bench-msgs >= 8")
	}
	cli, err := findCLI(o.natsCLI)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "motesplats-load-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	if o.natsURL != "" {
		return loadAgainst(ctx, o, cli, dir, out)
	}
	cfg, err := configFromEnv(func(string) string { return "" })
	if err != nil {
		return err
	}
	cfg.DataDir, cfg.NATSPort, cfg.MetricsAddr = dir, -1, "off"
	cfg.ParticipantsAddr, cfg.VolunteersAddr, cfg.MentoringAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.GuidesAddr, cfg.DinnersAddr, cfg.Gateway.Addr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.NotifyAddr = "127.0.0.1:0"
	cfg.LogLevel = 8 // errors only: the run's output is the figures
	logs, err := os.Create(filepath.Join(dir, "stack.log"))
	if err != nil {
		return err
	}
	defer logs.Close()
	cfg.logs = logs
	// Libraries that log through the default logger write there too.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	defer slog.SetDefault(prev)

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	l := &Listening{}
	up := &upWriter{up: make(chan struct{})}
	stackDone := make(chan error, 1)
	go func() { stackDone <- run(sctx, cfg, up, l) }()
	select {
	case <-up.up:
	case err := <-stackDone:
		return fmt.Errorf("load: stack stopped: %w", err)
	case <-time.After(60 * time.Second):
		return errors.New("load: the stack did not come up within 60s")
	}
	defer func() {
		stop()
		<-stackDone
	}()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	esrv, ehs := echo.NewServer(grpcx.Options{})
	go func() { _ = grpcx.Serve(sctx, esrv, ehs, lis, time.Second) }()

	natsURL := "nats://" + l.Addr("nats")
	fmt.Fprintf(out, "stack up: nats %s, participants %s, echo %s, data in %s (fsync on every write)\n",
		natsURL, l.Addr("participants"), lis.Addr(), dir)
	return loadPhases(ctx, o, cli, cfg, natsURL, l.Addr("participants"), l.Addr("volunteers"), lis.Addr().String(), logs.Name(), out)
}

// loadAgainst is a load run against a running system (-nats): its NATS
// as the tools' user (ADR 0226, 0230: NATS_USER, NATS_PASSWORD,
// NATS_CA_FILE, NATS_CERT_FILE and NATS_KEY_FILE from the environment, as
// make up's keys.env gives them)
// and its participants and volunteers at their *_ADDR. Only the echo
// server is this process's.
func loadAgainst(ctx context.Context, o loadOptions, cli, dir string, out io.Writer) error {
	cfg, err := configFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	esrv, ehs := echo.NewServer(grpcx.Options{})
	go func() { _ = grpcx.Serve(sctx, esrv, ehs, lis, time.Second) }()
	fmt.Fprintf(out, "against: nats %s, participants %s, echo %s (this process's CPU figures are the driver's alone)\n",
		o.natsURL, cfg.ParticipantsAddr, lis.Addr())
	return loadPhases(ctx, o, cli, cfg, o.natsURL, cfg.ParticipantsAddr, cfg.VolunteersAddr, lis.Addr().String(),
		filepath.Join(dir, "stack.log"), out)
}

// loadPhases are the load run's measurements against natsURL and the
// participants and volunteers at their addresses, with the echo server
// at echoAddr; logName is where the stack's log is, for the dead letters'
// line.
func loadPhases(ctx context.Context, o loadOptions, cli string, cfg Config, natsURL, participantsAddr, volunteersAddr, echoAddr, logName string, out io.Writer) error {
	var benchEnv []string
	if ca := os.Getenv(service.NATSCAFileEnv); o.natsURL != "" && ca != "" {
		benchEnv = append(benchEnv, "NATS_CA="+ca)
	}
	// The tools' client certificate, which make up's nodes verify (ADR
	// 0276): natscli reads it as NATS_CERT and NATS_KEY.
	if cert, key := os.Getenv(service.NATSCertFileEnv), os.Getenv(service.NATSKeyFileEnv); o.natsURL != "" && cert != "" && key != "" {
		benchEnv = append(benchEnv, "NATS_CERT="+cert, "NATS_KEY="+key)
	}
	js, err := connectTools(natsURL, "load", cfg)
	if err != nil {
		return err
	}
	defer js.Conn().Close()
	key, kid, err := operatorKey(cfg)
	if err != nil {
		return err
	}
	creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(key, kid, time.Now),
		auth.Claims{Subject: "load", Role: auth.RoleAdmin}, time.Hour))
	conn, err := dialDriver(participantsAddr, creds)
	if err != nil {
		return err
	}
	defer conn.Close()
	pc := participantsv1.NewParticipantServiceClient(conn)

	fmt.Fprintf(out, "\n== 1. JetStream alone: %s bench js pub sync --clients 8 (%d msgs of 128 B, same server and disk) ==\n", cli, o.benchMsgs)
	// natscli is another process, so this process's CPU during the bench
	// is the NATS server's (plus the idle stack's timers): what one
	// durable write costs the server, the floor under a create's writes.
	benchCPU0 := processCPU()
	bench1, err := natsBench(ctx, cli, natsURL, o.benchMsgs, out, benchEnv...)
	if err != nil {
		return err
	}
	perWrite := (processCPU() - benchCPU0) / time.Duration(o.benchMsgs)
	fmt.Fprintf(out, "NATS server CPU per durable write (bench, this process): %v\n", perWrite.Round(time.Microsecond))
	_ = js.DeleteStream(ctx, benchStream)

	fmt.Fprintf(out, "\n== 2. durable writes per create (stored messages per stream, 100 creates, after every consumer drained) ==\n")
	// The participants service registers newcomers only in an
	// organisation that stands (ADR 0202).
	if o.org, err = probeOrganisation(ctx, volunteersAddr, creds); err != nil {
		return err
	}
	p, err := newProbe(ctx, js, o.org)
	if err != nil {
		return err
	}
	defer p.close()
	wc, err := writesPerCreate(ctx, js, pc, p, 100, out)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n== 3. creates at increasing rates (each held %v; open loop; send -> probe consumer handled) ==\n", o.step)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
	}
	stopTrace, err := startTrace(o.execTrace)
	if err != nil {
		return err
	}
	tl, err := openTimeline(o.timeline)
	if err != nil {
		return err
	}
	defer tl.Close()
	// Up while the stack keeps up; fast is the best rate that also kept
	// p99 send->consumer within the limit.
	var best, fast stepResult
	cpu0, acked := processCPU(), 0
	for rate := o.firstRate; rate <= o.maxRate; rate = rate * 14 / 10 {
		r := driveCreates(ctx, js, pc, p, rate, o.step, o.p99Limit, tl)
		acked += r.acked
		fmt.Fprintln(out, r.String(o.p99Limit))
		if !r.keepsUp() {
			break
		}
		if r.rate > best.rate {
			best = r
		}
		if r.p99 <= o.p99Limit && r.rate > fast.rate {
			fast = r
		}
	}
	// CPU time, unlike wall time, hardly depends on what else the
	// machine runs: it says what a create costs this stack.
	cpuPer := (processCPU() - cpu0) / time.Duration(max(acked, 1))
	fmt.Fprintf(out, "CPU per create, whole stack in this process (NATS server, services, consumers, load driver): %v over %d creates\n",
		cpuPer.Round(10*time.Microsecond), acked)
	stopTrace()
	if err := writeHeapProfile(o.memProfile); err != nil {
		return err
	}
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
		fmt.Fprintf(out, "CPU profile of the create phase: %s (go tool pprof -top %s)\n", o.cpuProfile, o.cpuProfile)
	}

	fmt.Fprintf(out, "\n== 1b. JetStream alone again, after the creates ==\n")
	bench2, err := natsBench(ctx, cli, natsURL, o.benchMsgs, out, benchEnv...)
	if err != nil {
		return err
	}
	_ = js.DeleteStream(ctx, benchStream)

	fmt.Fprintf(out, "\n== 4. cached GetParticipant (sealed records) vs bare echo (%d workers, %d rounds of %v each) ==\n", o.workers, o.getRounds, o.getDur)
	gv, err := getVsEcho(ctx, pc, participantsAddr, echoAddr, creds, o, out)
	if err != nil {
		return err
	}

	limit := max(bench1, bench2) / 2
	fmt.Fprintf(out, "\n== summary (one run) ==\n")
	fmt.Fprintf(out, "JetStream 8-client durable writes: %.0f/s before, %.0f/s after; target creates/s >= half the higher: %.0f/s\n", bench1, bench2, limit)
	top := max(bench1, bench2)
	fmt.Fprintf(out, "creates sustained: %.0f/s (p50 %v, p99 %v send->consumer): %.2f of the bench's rate: %s\n",
		best.rate, best.p50, best.p99, best.rate/top, verdict(best.rate >= limit))
	fmt.Fprintf(out, "creates sustained with p99 send->consumer <= %v: %.0f/s (p99 %v): %s; the bench's own p99 per write: see its latencies above\n",
		o.p99Limit, fast.rate, fast.p99, verdict(fast.rate >= limit))
	if st, err := js.Stream(ctx, events.StreamDeadLetter); err == nil {
		if info, err := st.Info(ctx); err == nil && info.State.Msgs > 0 {
			fmt.Fprintf(out, "dead letters during the run: %d (see %s)\n", info.State.Msgs, logName)
		}
	}
	fmt.Fprintf(out, "durable writes per create: %.2f in all, %.2f synced one at a time; at most %.2f on one stream (%s), which syncs one message at a time as the bench's does\n",
		wc.total, wc.synced, wc.most, wc.stream)
	fmt.Fprintf(out, "CPU per create %v: %d cores give at most %.0f creates/s if this stack had them to itself (the target needs %.0f/s, at most %v per create)\n",
		cpuPer.Round(10*time.Microsecond), runtime.NumCPU(), float64(runtime.NumCPU())/cpuPer.Seconds(), limit,
		(time.Duration(float64(runtime.NumCPU()) * float64(time.Second) / max(limit, 1))).Round(10*time.Microsecond))
	// The server's part alone: each synced write a create makes costs
	// at least what one bench write cost the server (store, fsync, ack);
	// a create's writes also go to watchers and consumers, which costs
	// more, and the key pool's batched writes cost a fraction of one each.
	floor := time.Duration(wc.synced * float64(perWrite))
	fmt.Fprintf(out, "NATS server floor per create: %.2f synced writes x %v per bench write = %v (%.0f%% of the per-create budget above)\n",
		wc.synced, perWrite.Round(time.Microsecond), floor.Round(10*time.Microsecond),
		100*floor.Seconds()*max(limit, 1)/float64(runtime.NumCPU()))
	if o.getRounds == 0 {
		fmt.Fprintf(out, "cached Get vs echo: not measured (-get-rounds 0)\n")
		return nil
	}
	fmt.Fprintf(out, "one bare gRPC echo call (client and server in this process): %v CPU; a create's call and answer cost at least that\n",
		gv.echoCPU.Round(time.Microsecond))
	fmt.Fprintf(out, "cached Get %.0f/s vs echo %.0f/s: %.0f%% (target >= 60%%): %s\n", gv.get, gv.echo, 100*gv.get/gv.echo, verdict(gv.get >= 0.6*gv.echo))
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "MET"
	}
	return "NOT MET"
}

// upWriter discards the stack's banner and closes up once it is complete
// (its last line), when every part listens.
type upWriter struct {
	mu   sync.Mutex
	buf  []byte
	up   chan struct{}
	seen bool
}

func (w *upWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen {
		w.buf = append(w.buf, p...)
		if bytes.Contains(w.buf, []byte("Ctrl-C stops")) {
			w.seen, w.buf = true, nil
			close(w.up)
		}
	}
	return len(p), nil
}

// processCPU returns the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
