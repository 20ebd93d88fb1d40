package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/service"
)

// The operators' commands that work on the system's JetStream (ensure,
// rewrap, latency, load against a running system) talk to NATS as the
// tools: cfg.NATS's user, which alone may create and update every key
// bucket (ADR 0226, 0244). Each opened its connection with the same
// lines; these are that opening, once (ADR 0253). seed keeps its own: its
// errors say what to change and that nothing was seeded yet.

// natsURL is the stack's own NATS (MP_NATS_HOST, MP_NATS_PORT), what a
// command's -nats defaults to.
func (c Config) natsURL() string { return fmt.Sprintf("nats://%s:%d", c.NATSHost, c.NATSPort) }

// toolsFlags parses the arguments of a command whose one flag is -nats,
// the system's NATS (by default the stack's), and returns it; -h prints
// the usage to out.
func toolsFlags(name string, cfg Config, args []string, out io.Writer) (string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	natsURL := fs.String("nats", cfg.natsURL(), "NATS of the system")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	return *natsURL, nil
}

// connectTools connects to the NATS at url as the tools' user of cfg,
// named name in the server's connection list, and opens JetStream on it.
// The caller closes the connection (js.Conn().Close()).
func connectTools(url, name string, cfg Config) (jetstream.JetStream, error) {
	nc, err := service.ConnectNATS(url, name, cfg.NATS)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return js, nil
}
