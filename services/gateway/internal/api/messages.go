package api

import (
	"context"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// mailboxCountCap bounds the mailbox total a list counts.
const mailboxCountCap = 5000

// ListDeliveries implements MessageService.
func (s *Server) ListDeliveries(ctx context.Context, req *connect.Request[gatewayv1.ListDeliveriesRequest]) (*connect.Response[gatewayv1.ListDeliveriesResponse], error) {
	m := req.Msg
	res, err := s.g.ListDeliveries(ctx, caller(ctx), m.GetPersonId(), m.GetProposalId(), m.GetPageSize(), m.GetPageToken())
	return reply(s, ctx, &gatewayv1.ListDeliveriesResponse{Deliveries: res.GetDeliveries(), NextPageToken: res.GetNextPageToken()}, err)
}

// ListMailbox implements MessageService.
func (s *Server) ListMailbox(ctx context.Context, req *connect.Request[gatewayv1.ListMailboxRequest]) (*connect.Response[gatewayv1.ListMailboxResponse], error) {
	m := req.Msg
	res, err := s.g.ListMailbox(ctx, caller(ctx), m.GetPageSize(), m.GetPageToken(), m.GetPersonId())
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	total, err := s.g.CountMailbox(ctx, caller(ctx), m.GetPersonId(), mailboxCountCap)
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	// The recipients by name, as the web's mailbox names them: mp
	// printed the address alone and could not mark a namesake (ADR 0211);
	// read together, each person once (ADR 0218), in one call per service
	// with their municipalities (ADR 0222).
	people, err := s.g.MailboxNames(ctx, caller(ctx), res.GetMessages())
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	names, munis := make(map[string]string, len(people)), make(map[string]string, len(people))
	for id, p := range people {
		names[id], munis[id] = p.Name, p.MunicipalityCode
	}
	return reply(s, ctx, &gatewayv1.ListMailboxResponse{Messages: res.GetMessages(), NextPageToken: res.GetNextPageToken(), TotalSize: total,
		RecipientNames: names, RecipientMunicipalityCodes: munis}, nil)
}

// GetMailboxMessage implements MessageService.
func (s *Server) GetMailboxMessage(ctx context.Context, req *connect.Request[gatewayv1.GetMailboxMessageRequest]) (*connect.Response[gatewayv1.GetMailboxMessageResponse], error) {
	msg, err := s.g.GetMailboxMessage(ctx, caller(ctx), req.Msg.GetId())
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	p, err := s.g.MailboxName(ctx, caller(ctx), msg)
	return reply(s, ctx, &gatewayv1.GetMailboxMessageResponse{Message: msg, RecipientName: p.Name, RecipientMunicipalityCode: p.MunicipalityCode}, err)
}
