// Command dinners serves the dinner-host programme on its own, against
// the NATS and Redis named in the environment; DINNERS_RULES_DIR names the
// directory of per-organisation rule files (see README).
package main

import (
	"context"
	"os"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/dinners/server"
)

func main() {
	o, err := server.OptionsFromEnv(os.Getenv)
	service.Main("dinners", server.DefaultAddr, err, func(ctx context.Context, addr string, d service.Deps) error {
		return server.Run(ctx, addr, d, o, nil)
	})
}
