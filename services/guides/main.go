// Command guides serves the establishment-guide programme on its own,
// against the NATS and Redis named in the environment; GUIDES_RULES_DIR
// names the directory of rule files (see README).
package main

import (
	"context"
	"os"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/guides/server"
)

func main() {
	o, err := server.OptionsFromEnv(os.Getenv)
	service.Main("guides", server.DefaultAddr, err, func(ctx context.Context, addr string, d service.Deps) error {
		return server.Run(ctx, addr, d, o, nil)
	})
}
