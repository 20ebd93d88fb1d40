// Command mp is the Mötesplats command line client. It talks to the
// gateway's Connect API (JSON over HTTP) with an API token that `mp login`
// stores in the user's config directory (~/.config/mp/config.json). Run
// `mp help` for the commands; services/gateway/README.md shows examples.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/motesplats/motesplats/services/gateway/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], cli.Env{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, HTTP: &http.Client{Timeout: time.Minute}})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mp:", err)
		os.Exit(1)
	}
}
