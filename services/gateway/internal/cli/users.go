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
	id, err := e.confirmedArg("users delete", args, confirmation{
		yesFlag: "flag.erase_yes", question: "users.delete.confirm", notDone: "users.not_deleted", ask: true})
	if err != nil {
		return err
	}
	if _, err := c.users.DeleteUser(ctx, connect.NewRequest(&gatewayv1.DeleteUserRequest{Id: id})); err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("users.deleted", id))
	return nil
}
