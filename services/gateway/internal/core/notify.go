package core

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// errNoNotify answers when the gateway has no notify service configured.
var errNoNotify = apperr.Errorf(apperr.Unavailable, "messages are not set up on this server")

// Notifying reports whether the notify service is configured, so pages
// show delivery status and the mailbox only where they can.
func (g *Gateway) Notifying() bool { return g.Backend.Notifications != nil }

// ListMailbox pages through the development mailbox (admins only): the
// messages the notify service kept instead of sending, with no channel
// configured. Reading it is reading personal data, so it is audited with
// every message id shown.
func (g *Gateway) ListMailbox(ctx context.Context, c Caller, pageSize int32, pageToken, personID string) (*notifyv1.ListMailboxResponse, error) {
	if err := adminOnly(c); err != nil {
		return nil, err
	}
	if !g.Notifying() {
		return nil, errNoNotify
	}
	sctx, err := g.as(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Notifications.ListMailbox(sctx, &notifyv1.ListMailboxRequest{PageSize: pageSize, PageToken: pageToken, PersonId: personID})
	ids := make([]string, 0, len(res.GetMessages()))
	for _, m := range res.GetMessages() {
		ids = append(ids, m.GetId())
	}
	if err := g.recordList(ctx, c, "mailbox_message", ids, err); err != nil {
		return nil, err
	}
	return res, nil
}

// GetMailboxMessage returns one development-mailbox message with its text
// and answer link (admins only, audited). To anyone else a message does
// not exist (NotFound), as any record outside a caller's scope.
func (g *Gateway) GetMailboxMessage(ctx context.Context, c Caller, id string) (*notifyv1.MailboxMessage, error) {
	if !c.IsAdmin() {
		return nil, apperr.Errorf(apperr.NotFound, "no such message")
	}
	if !g.Notifying() {
		return nil, errNoNotify
	}
	sctx, err := g.as(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Notifications.GetMailboxMessage(sctx, &notifyv1.GetMailboxMessageRequest{Id: id})
	if err := g.record(ctx, c, "read", "mailbox_message", id, err); err != nil {
		return nil, err
	}
	return res.GetMessage(), nil
}

// ListDeliveries pages through the messages to a person, or about a
// proposal, with their delivery status and never their text. The notify
// service filters by the caller's organisation itself.
func (g *Gateway) ListDeliveries(ctx context.Context, c Caller, personID, proposalID string, pageSize int32, pageToken string) (*notifyv1.ListDeliveriesResponse, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	if (personID == "") == (proposalID == "") {
		var v apperr.Validator
		v.Add("person_id", "name a person or a proposal, not both")
		return nil, v.Err()
	}
	if !g.Notifying() {
		return nil, errNoNotify
	}
	res, err := g.Backend.Notifications.ListDeliveries(sctx, &notifyv1.ListDeliveriesRequest{
		PersonId: personID, ProposalId: proposalID, PageSize: pageSize, PageToken: pageToken})
	id, resource := personID, "person_deliveries"
	if proposalID != "" {
		id, resource = proposalID, "proposal_deliveries"
	}
	if err := g.record(ctx, c, "read", resource, id, err); err != nil {
		return nil, err
	}
	return res, nil
}

// CountMailbox counts the development mailbox's messages (to personID, if
// set), up to limit: the notify service gives no total, and the list's
// position line wants one. Only the count leaves this function, so it is
// not an audited read; the mailbox is a development aid, small by nature.
func (g *Gateway) CountMailbox(ctx context.Context, c Caller, personID string, limit int) (int32, error) {
	if err := adminOnly(c); err != nil {
		return 0, err
	}
	if !g.Notifying() {
		return 0, errNoNotify
	}
	sctx, err := g.as(ctx, c)
	if err != nil {
		return 0, err
	}
	n, tok := 0, ""
	for n < limit {
		res, err := g.Backend.Notifications.ListMailbox(sctx, &notifyv1.ListMailboxRequest{PageSize: 200, PageToken: tok, PersonId: personID})
		if err != nil {
			return 0, err
		}
		n += len(res.GetMessages())
		if tok = res.GetNextPageToken(); tok == "" {
			break
		}
	}
	return int32(min(n, limit)), nil
}
