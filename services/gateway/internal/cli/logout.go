package cli

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// logout ends this sign-in's API token at the gateway and forgets it, and
// says so: it printed nothing when it worked. A token the gateway no
// longer takes (revoked, expired, its account disabled or erased) signs in
// nowhere, so it is forgotten too, with a line saying it had ended: mp
// answered "kör mp login" (exit 1) to a user who wanted out, and kept it
// (found from outside, ADR 0227). Any other failure, a gateway that
// answers nothing above all, keeps the token, which may still be valid.
func logout(ctx context.Context, c *clients, cfg config, e env) error {
	if cfg.Token == "" {
		fmt.Fprintln(e.Out, e.t("logout.not_signed_in"))
		return nil
	}
	_, err := c.tokens.DeleteApiToken(ctx, connect.NewRequest(&gatewayv1.DeleteApiTokenRequest{Id: "current"}))
	ended := connect.CodeOf(err) == connect.CodeUnauthenticated
	if err != nil && !ended {
		return err
	}
	cfg.Token = ""
	if err := saveConfig(e, cfg); err != nil {
		return err
	}
	if ended {
		fmt.Fprintln(e.Out, e.t("logout.ended"))
	} else {
		fmt.Fprintln(e.Out, e.t("logout.done"))
	}
	return nil
}
