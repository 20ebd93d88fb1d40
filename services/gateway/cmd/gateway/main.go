// Command gateway serves the coordinators' web app and the Connect API on
// its own, against the NATS and services named in the environment (see
// services/gateway/README.md: Configuration).
package main

import (
	"context"
	"os"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/gateway/server"
)

func main() {
	// A bad setting of the gateway's own is reported with the shared
	// ones, in the same JSON lines, before anything starts.
	cfg, err := server.ConfigFromEnv(os.Getenv)
	cfg.Out = os.Stdout
	service.Main("gateway", server.DefaultAddr, err, func(ctx context.Context, addr string, d service.Deps) error {
		cfg.Addr = addr
		return server.Run(ctx, cfg, d, nil)
	})
}
