// Command stack runs the whole of Mötesplats in one process: an embedded
// NATS server with JetStream (file store under ./data, fsync on every
// write) and every service on its own loopback gRPC port, talking over real
// gRPC and real NATS exactly as separate processes would.
//
//	stack          run everything (make run)
//	stack token    print a token signed with the operators' key for grpcurl (make token)
//	stack seed     load the demo data set through the public APIs (make seed)
//	stack keygen   print new signing keys (the gateway's, notify's, the operators'), their
//	               bound public keys, a data key and a link key as environment settings;
//	               keygen notify: notify's key alone, binding MP_PUBLIC_KEYS (ADR 0210);
//	               keygen operator: the operators' key alone, added to MP_PUBLIC_KEYS (ADR 0217);
//	               keygen nats: the NATS users' passwords an .env lacks (ADR 0225, 0226)
//	               keygen nats-tls: NATS' CA and server certificate in ./certs (ADR 0230)
//	stack rewrap   rewrap every person's data key with MP_DATA_KEY (key rotation)
//	stack ensure   make every owner's key bucket with its owner's configuration, before
//	               the services start (make up, Kubernetes' Job; ADR 0244)
//	stack echo     serve a bare gRPC echo service, the baseline for load runs
//	stack latency  measure acknowledged create -> event handled on a running stack
//	stack load     start a private stack and measure it beside nats bench (make load)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/motesplats/motesplats/pkg/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cfg, err := configFromEnv(os.Getenv)
	if err != nil {
		// One JSON line per bad variable, as the stack's other logs and a
		// separate service's refusals (service.Main), before anything starts.
		stop()
		log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
		for _, line := range service.Refusals(err) {
			log.Error("configuration refused", "service", "stack", "err", line)
		}
		os.Exit(2)
	}
	err = dispatch(ctx, cfg, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		// -h printed what the tool takes: asked for, so no failure and no
		// ERROR line (`token -h` said "flag: help requested" and exited 1;
		// found from outside, ADR 0223). Go's own flag handling exits 0 too.
		return
	}
	if err != nil {
		slog.Error("stack", "err", err)
		os.Exit(1)
	}
}

func dispatch(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "", "run":
		return run(ctx, cfg, out, nil)
	case "token":
		return token(cfg, args, out)
	case "seed":
		return seed(ctx, cfg, args, out)
	case "rewrap":
		return rewrap(ctx, cfg, args, out)
	case "ensure":
		return ensureKeys(ctx, cfg, args, out)
	case "keygen":
		return keygen(args, os.Getenv, out)
	case "echo":
		return echoServer(ctx, args, out)
	case "latency":
		return latency(ctx, cfg, args, out)
	case "load":
		return loadRun(ctx, args, out)
	default:
		return fmt.Errorf("unknown command %q (want run, token, keygen, seed, rewrap, ensure, echo, latency or load)", cmd)
	}
}
