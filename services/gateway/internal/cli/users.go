package cli

// mp users: the users an admin manages, and erasing one (ADR 0201).

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// listUsers prints every user: id, name, e-mail, role, and whether the
// user is disabled. Admins only (the gateway refuses others).
func listUsers(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("users list", flag.ContinueOnError)
	if err := e.parseFlagsOnly(fs, args); err != nil {
		return err
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

// changeUserEmail sets a user's e-mail (ADR 0207): the address the user
// signs in with from then on. Admins only; a taken or malformed address
// is refused in the gateway's words.
func changeUserEmail(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("users email", flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(e.Out, e.t("usage.users_email"))
		}
		return err
	}
	if fs.NArg() != 2 {
		return errors.New(e.t("usage.users_email"))
	}
	id, email := fs.Arg(0), fs.Arg(1)
	res, err := c.users.UpdateUser(ctx, connect.NewRequest(&gatewayv1.UpdateUserRequest{
		User: &gatewayv1.User{Id: id, Email: email}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"email"}}}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("users.email_changed", res.Msg.GetUser().GetId(), res.Msg.GetUser().GetEmail()))
	return nil
}
