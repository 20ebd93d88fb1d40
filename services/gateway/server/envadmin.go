package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// envAdmin makes the first admin from MP_ADMIN_EMAIL and
// MP_ADMIN_PASSWORD when no account exists. A gateway started beside
// another on an empty store may lose the race to make it
// (AlreadyExists): the other made it, and this one goes on rather than
// stop (ADR 0236).
func envAdmin(ctx context.Context, cfg Config, accounts *account.Service, log *slog.Logger) error {
	return envAdminAfter(ctx, cfg, accounts, log, nil)
}

// envAdminAfter is envAdmin with checked, when not nil, called between the
// check that the store is empty and the create: a test holds two gateways
// there, so both create, which only timing gave before (ADR 0240's
// finding, ADR 0246).
func envAdminAfter(ctx context.Context, cfg Config, accounts *account.Service, log *slog.Logger, checked func()) error {
	if !accounts.Empty() || cfg.AdminEmail == "" {
		return nil
	}
	if checked != nil {
		checked()
	}
	_, err := accounts.CreateUser(ctx, &gatewayv1.User{Email: cfg.AdminEmail, DisplayName: "Admin", Role: gatewayv1.Role_ROLE_ADMIN}, cfg.AdminPassword)
	switch {
	case apperr.ErrorCode(err) == apperr.AlreadyExists:
	case err != nil:
		return fmt.Errorf("gateway: first admin from MP_ADMIN_EMAIL: %w", err)
	default:
		log.Info("created the first admin from MP_ADMIN_EMAIL")
	}
	return nil
}

// logEnvAdmin writes the environment's admin's audit entry, at every
// start with MP_ADMIN_EMAIL, once in the log whichever gateways start
// (core.LogEnvAdmin, ADR 0236). A log that cannot be read is asked again
// at the next start.
func logEnvAdmin(ctx context.Context, cfg Config, g *core.Gateway, log *slog.Logger) {
	if cfg.AdminEmail == "" {
		return
	}
	if wrote, err := g.LogEnvAdmin(ctx, cfg.AdminEmail); err != nil {
		log.Warn("the environment admin's audit entry not checked", "err", err)
	} else if wrote {
		log.Info("the environment's admin is in the audit log")
	}
}
