package cli

// mp users: the users an admin manages, and erasing one (ADR 0201).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// listUsers prints every user: id, name, e-mail, role, and whether the
// user is disabled. Admins only (the gateway refuses others).
func listUsers(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("users list", flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(e.f("err.extra_args", strings.Join(fs.Args(), " ")))
	}
	return pages(func(token string) (string, error) {
		res, err := c.users.ListUsers(ctx, connect.NewRequest(&gatewayv1.ListUsersRequest{PageSize: 500, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, u := range res.Msg.GetUsers() {
			line := fmt.Sprintf("%s\t%s\t%s\t%s", u.GetId(), u.GetDisplayName(), u.GetEmail(), e.code("role.", u.GetRole().String(), "ROLE_"))
			if u.GetDisabled() {
				line += "\t" + e.t("users.disabled")
			}
			fmt.Fprintln(e.Out, line)
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// deleteUser erases a user. It cannot be undone, so it asks for "ja"
// (or "yes") on the input unless -yes is given.
func deleteUser(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("users delete", flag.ContinueOnError)
	yes := fs.Bool("yes", false, e.t("flag.erase_yes"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(e.f("usage.one_id", "users delete"))
	}
	id := fs.Arg(0)
	if !*yes {
		line, err := e.ask(e.f("users.delete.confirm", id))
		if err != nil {
			return err
		}
		if a := strings.TrimSpace(line); a != "yes" && a != e.t("confirm.yes") {
			return errors.New(e.t("users.not_deleted"))
		}
	}
	if _, err := c.users.DeleteUser(ctx, connect.NewRequest(&gatewayv1.DeleteUserRequest{Id: id})); err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("users.deleted", id))
	return nil
}
