// Command gateway serves the coordinators' web app and the Connect API on
// its own, against the NATS and services named in the environment (see
// services/gateway/README.md: Configuration).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/gateway/server"
)

func main() {
	cfg, err := server.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
	cfg.Out = os.Stdout
	service.Main("gateway", server.DefaultAddr, func(ctx context.Context, addr string, d service.Deps) error {
		cfg.Addr = addr
		return server.Run(ctx, cfg, d, nil)
	})
}
