// Command participants serves the participant register on its own, against
// the NATS and Redis named in the environment (see README: Configuration).
package main

import (
	"context"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/participants/server"
)

func main() {
	service.Main("participants", server.DefaultAddr, nil, func(ctx context.Context, addr string, d service.Deps) error {
		return server.Run(ctx, addr, d, server.Options{}, nil)
	})
}
