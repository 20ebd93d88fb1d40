// Package grpcapi serves motesplats.notify.v1: NotificationService for
// admins and coordinators, and AnswerService for the gateway acting for a
// person who holds a link. It validates requests, calls notice.Service with
// the caller's verified identity, and lets pkg/grpcx map domain errors to
// status codes.
package grpcapi

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/notify/internal/links"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// Server implements both services.
type Server struct {
	pb.UnimplementedNotificationServiceServer
	pb.UnimplementedAnswerServiceServer
	svc *notice.Service
}

var (
	_ pb.NotificationServiceServer = (*Server)(nil)
	_ pb.AnswerServiceServer       = (*Server)(nil)
)

// New returns a Server over svc.
func New(svc *notice.Service) *Server { return &Server{svc: svc} }

// caller is the identity the auth interceptor verified (auth.Require:
// without it the server was wired wrong, and it refuses, never guesses).
var caller = auth.Require

// mailboxProto is a mailbox message; bodies only when full.
func mailboxProto(m *pb.StoredMessage, full bool) *pb.MailboxMessage {
	out := &pb.MailboxMessage{Id: m.GetId(), PersonId: m.GetPersonId(), IntendedChannel: m.GetIntendedChannel(), To: m.GetTo(),
		Language: m.GetLanguage(), Subject: m.GetSubject(), Template: m.GetTemplate(), CreateTime: m.GetCreateTime()}
	if full {
		out.TextBody, out.HtmlBody, out.AnswerUrl = m.GetTextBody(), m.GetHtmlBody(), m.GetAnswerUrl()
	}
	return out
}

// ListMailbox implements NotificationService.
func (s *Server) ListMailbox(ctx context.Context, req *pb.ListMailboxRequest) (*pb.ListMailboxResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ms, next, err := s.svc.ListMailbox(who, notice.MailboxFilter{PageSize: req.GetPageSize(), PageToken: req.GetPageToken(), PersonID: req.GetPersonId()})
	if err != nil {
		return nil, err
	}
	out := &pb.ListMailboxResponse{NextPageToken: next}
	for _, m := range ms {
		out.Messages = append(out.Messages, mailboxProto(m, false))
	}
	return out, nil
}

// GetMailboxMessage implements NotificationService.
func (s *Server) GetMailboxMessage(ctx context.Context, req *pb.GetMailboxMessageRequest) (*pb.GetMailboxMessageResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.svc.GetMailboxMessage(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetMailboxMessageResponse{Message: mailboxProto(m, true)}, nil
}

// ListDeliveries implements NotificationService.
func (s *Server) ListDeliveries(ctx context.Context, req *pb.ListDeliveriesRequest) (*pb.ListDeliveriesResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ms, next, err := s.svc.ListDeliveries(who, notice.DeliveryFilter{PersonID: req.GetPersonId(), ProposalID: req.GetProposalId(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &pb.ListDeliveriesResponse{NextPageToken: next}
	for _, m := range ms {
		out.Deliveries = append(out.Deliveries, &pb.Delivery{Id: m.GetId(), PersonId: m.GetPersonId(), Role: m.GetRole(),
			Programme: m.GetProgramme(), ProposalId: m.GetProposalId(), Template: m.GetTemplate(), Channel: m.GetChannel(),
			Status: m.GetStatus(), Failure: m.GetFailure(), FailureReason: notice.FailureWords(m.GetFailure()),
			Attempts: m.GetAttempts(), CreateTime: m.GetCreateTime(), UpdateTime: m.GetUpdateTime(), SentTime: m.GetSentTime(),
			OrganisationId: m.GetOrganisationId()})
	}
	return out, nil
}

// answerCaller admits the gateway (a service token) only: a person with a
// link has no token of their own, and no one else answers for them.
func answerCaller(ctx context.Context) error {
	who, err := caller(ctx)
	if err != nil {
		return err
	}
	if who.Role != auth.RoleService {
		return apperr.Errorf(apperr.PermissionDenied, "only the gateway answers links")
	}
	return nil
}

func checkToken(v *apperr.Validator, tok string) {
	if tok == "" || len(tok) > links.MaxTokenLen {
		v.Add("token", "is required: the token from the link, at most 200 characters")
	}
}

func direction(rtl bool) pb.Direction {
	if rtl {
		return pb.Direction_DIRECTION_RTL
	}
	return pb.Direction_DIRECTION_LTR
}

// limited maps the rate limit to RESOURCE_EXHAUSTED.
func limited(err error) error {
	if errors.Is(err, notice.ErrRateLimited) {
		return status.Error(codes.ResourceExhausted, notice.ErrRateLimited.Error())
	}
	return err
}

// ResolveLink implements AnswerService.
func (s *Server) ResolveLink(ctx context.Context, req *pb.ResolveLinkRequest) (*pb.ResolveLinkResponse, error) {
	if err := answerCaller(ctx); err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkToken(&v, req.GetToken())
	if err := v.Err(); err != nil {
		return nil, err
	}
	r, err := s.svc.ResolveLink(ctx, req.GetToken())
	if err != nil {
		return nil, limited(err)
	}
	out := &pb.ResolveLinkResponse{State: r.State, Language: r.Language, LanguageReviewed: r.Reviewed, Offer: r.Offer,
		Actions: r.Actions, DeclineReasons: r.Reasons}
	if r.Language != "" {
		out.Direction = direction(r.RTL)
	}
	return out, nil
}

// Answer implements AnswerService.
func (s *Server) Answer(ctx context.Context, req *pb.AnswerRequest) (*pb.AnswerResponse, error) {
	if err := answerCaller(ctx); err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkToken(&v, req.GetToken())
	if _, ok := pb.AnswerAction_name[int32(req.GetAction())]; !ok || req.GetAction() == 0 {
		v.Add("action", "is required: accept, decline or cannot come")
	}
	if _, ok := pb.DeclineReason_name[int32(req.GetReason())]; !ok {
		v.Add("reason", "is not a known reason")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, err := s.svc.Answer(ctx, req.GetToken(), req.GetAction(), req.GetReason())
	if err != nil {
		return nil, limited(err)
	}
	out := &pb.AnswerResponse{Outcome: o.Outcome, State: o.State, Language: o.Language}
	if o.Language != "" {
		out.Direction = direction(o.RTL)
	}
	return out, nil
}
