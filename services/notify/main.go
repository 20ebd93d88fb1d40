// Command notify sends the messages that tell newcomers and volunteers
// about offers, invitations, reminders and cancellations, in their
// language, and serves the answer links, against the NATS named in the
// environment (see services/notify/README.md for SMTP, SMS, webhook, link
// key and quiet hours).
package main

import (
	"context"
	"os"
	_ "time/tzdata" // quiet hours are Europe/Stockholm even in a scratch image

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/notify/server"
)

func main() {
	o, err := server.OptionsFromEnv(os.Getenv)
	if err == nil {
		err = service.ListenCheck("MP_BOUNCE_ADDR", o.BounceAddr)
	}
	service.Main("notify", server.DefaultAddr, err, func(ctx context.Context, addr string, d service.Deps) error {
		return server.Run(ctx, addr, d, o, nil)
	})
}
