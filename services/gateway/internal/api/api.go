// Package api serves motesplats.gateway.v1 with Connect: one handler per
// service answers gRPC, gRPC-Web and JSON over HTTP. Every method but
// CreateApiToken needs "Authorization: Bearer <API token>"; the handlers
// hand the work to core and map its errors to Connect codes with the field
// violations as a google.rpc.BadRequest detail.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
	"github.com/motesplats/motesplats/services/gateway/internal/bounds"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// codeOf maps domain codes to Connect codes.
var codeOf = map[apperr.Code]connect.Code{
	apperr.Invalid:            connect.CodeInvalidArgument,
	apperr.NotFound:           connect.CodeNotFound,
	apperr.AlreadyExists:      connect.CodeAlreadyExists,
	apperr.Conflict:           connect.CodeAborted,
	apperr.FailedPrecondition: connect.CodeFailedPrecondition,
	apperr.PermissionDenied:   connect.CodePermissionDenied,
	apperr.Unauthenticated:    connect.CodeUnauthenticated,
	apperr.Unavailable:        connect.CodeUnavailable,
	core.TooManyRequests:      connect.CodeResourceExhausted,
}

// Server implements the gateway's Connect services.
type Server struct {
	g     *core.Gateway
	log   *slog.Logger
	guard *account.Guard
	// RemoteAddr extracts the client address (see web.RemoteAddr).
	remoteAddr func(*http.Request) string
}

type callerKey struct{}

// Handlers returns the Connect handlers by path prefix. guard limits
// sign-in attempts.
func Handlers(g *core.Gateway, guard *account.Guard, remoteAddr func(*http.Request) string) map[string]http.Handler {
	s := &Server{g: g, log: g.Log, guard: guard, remoteAddr: remoteAddr}
	opts := []connect.HandlerOption{
		// Who calls is settled from the headers, before a byte of the
		// body is read or inflated.
		connect.WithRequestGate(s.authenticate),
		connect.WithInterceptors(strictJSON{s}, s.checkBounds()),
		connect.WithCodec(protoCodec{}),
		connect.WithCodec(jsonCodec{"json"}),
		connect.WithCodec(jsonCodec{"json; charset=utf-8"}),
		connect.WithReadMaxBytes(MaxBodyBytes),
		// Connect's own gzip inflates an oversized message to its end
		// only to report its size; this one stops at the limit.
		connect.WithCompression("gzip", nil, nil),
		connect.WithCompression("gzip", newBoundedGzip(MaxBodyBytes), newGzipCompressor),
		connect.WithConditionalHandlerOptions(func(spec connect.Spec) []connect.HandlerOption {
			if open[spec.Procedure] {
				return []connect.HandlerOption{connect.WithReadMaxBytes(MaxOpenBodyBytes), connect.WithCompression("gzip", nil, nil)}
			}
			return nil
		}),
	}
	out := map[string]http.Handler{}
	add := func(path string, h http.Handler) { out[path] = s.wrap(h) }
	add(gatewayv1connect.NewUserServiceHandler(s, opts...))
	add(gatewayv1connect.NewApiTokenServiceHandler(s, opts...))
	add(gatewayv1connect.NewRegistryServiceHandler(s, opts...))
	add(gatewayv1connect.NewAuditServiceHandler(s, opts...))
	add(gatewayv1connect.NewMatchingServiceHandler(s, opts...))
	add(gatewayv1connect.NewMessageServiceHandler(s, opts...))
	add(gatewayv1connect.NewDinnersServiceHandler(s, opts...))
	add(gatewayv1connect.NewGuidesServiceHandler(guidesAPI{s}, opts...))
	add(gatewayv1connect.NewOpsServiceHandler(s, opts...))
	return out
}

type addrKey struct{}

// errorWriter answers in the caller's protocol before Connect has a
// stream.
var errorWriter = connect.NewErrorWriter()

// wrap puts the client address in the context (Connect gates and
// interceptors do not see the *http.Request), marks every answer
// uncacheable (they carry personal data, and Connect GETs would otherwise
// be cacheable) and bounds the body.
func (s *Server) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		max := MaxBodyBytes
		isOpen := open[r.URL.Path]
		if isOpen {
			max = MaxOpenBodyBytes
		}
		lw, err := limitRequest(w, r, max, isOpen)
		if err != nil {
			_ = errorWriter.Write(w, r, err)
			return
		}
		h.ServeHTTP(lw, r.WithContext(context.WithValue(r.Context(), addrKey{}, s.remoteAddr(r))))
	})
}

func remote(ctx context.Context) string {
	a, _ := ctx.Value(addrKey{}).(string)
	return a
}

// open lists the procedures that need no token.
var open = map[string]bool{gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure: true}

// authenticate is the request gate: every procedure but the open ones
// needs a valid API token, checked before the message is read.
func (s *Server) authenticate(ctx context.Context, spec connect.Spec, _ connect.Peer, h http.Header) (context.Context, error) {
	if open[spec.Procedure] {
		return ctx, nil
	}
	scheme, tok, _ := strings.Cut(h.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") || tok == "" {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("an API token is required: run mp login"))
	}
	p, err := s.g.Accounts.Token(ctx, strings.TrimSpace(tok))
	if errors.Is(err, account.ErrDisabled) {
		// Not "run mp login": that is refused too (ADR 0223).
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New(account.DisabledMessage))
	}
	if err != nil {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("the API token is not valid: run mp login"))
	}
	return context.WithValue(ctx, callerKey{}, core.Caller{Principal: p, RemoteAddr: remote(ctx), Channel: "api"}), nil
}

// checkBounds refuses a request with a list over its cap before any work
// (ADR 0049).
func (s *Server) checkBounds() connect.Interceptor {
	return connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if m, ok := req.Any().(proto.Message); ok {
				if err := bounds.Check(m); err != nil {
					return nil, s.toConnect(ctx, err)
				}
			}
			return next(ctx, req)
		}
	})
}

func caller(ctx context.Context) core.Caller {
	c, _ := ctx.Value(callerKey{}).(core.Caller)
	return c
}

// toConnect maps any error to a Connect error a caller may see.
func (s *Server) toConnect(ctx context.Context, err error) error {
	pe := core.Public(ctx, s.log, err)
	code, ok := codeOf[pe.Code]
	if !ok {
		code = connect.CodeInternal
	}
	ce := connect.NewError(code, errors.New(pe.Message))
	if len(pe.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range pe.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		if d, err := connect.NewErrorDetail(br); err == nil {
			ce.AddDetail(d)
		}
	}
	return ce
}

func reply[T any](s *Server, ctx context.Context, msg *T, err error) (*connect.Response[T], error) {
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	return connect.NewResponse(msg), nil
}

// GetUser implements UserService.
func (s *Server) GetUser(ctx context.Context, req *connect.Request[gatewayv1.GetUserRequest]) (*connect.Response[gatewayv1.GetUserResponse], error) {
	u, err := s.g.GetUser(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetUserResponse{User: u}, err)
}

// ListUsers implements UserService.
func (s *Server) ListUsers(ctx context.Context, req *connect.Request[gatewayv1.ListUsersRequest]) (*connect.Response[gatewayv1.ListUsersResponse], error) {
	us, next, err := s.g.ListUsers(ctx, caller(ctx), int(req.Msg.GetPageSize()), req.Msg.GetPageToken())
	return reply(s, ctx, &gatewayv1.ListUsersResponse{Users: us, NextPageToken: next}, err)
}

// CreateUser implements UserService.
func (s *Server) CreateUser(ctx context.Context, req *connect.Request[gatewayv1.CreateUserRequest]) (*connect.Response[gatewayv1.CreateUserResponse], error) {
	u, err := s.g.CreateUser(ctx, caller(ctx), req.Msg.GetUser(), req.Msg.GetPassword())
	return reply(s, ctx, &gatewayv1.CreateUserResponse{User: u}, err)
}

// DeleteUser implements UserService.
func (s *Server) DeleteUser(ctx context.Context, req *connect.Request[gatewayv1.DeleteUserRequest]) (*connect.Response[gatewayv1.DeleteUserResponse], error) {
	err := s.g.DeleteUser(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.DeleteUserResponse{}, err)
}

// UpdateUser implements UserService.
func (s *Server) UpdateUser(ctx context.Context, req *connect.Request[gatewayv1.UpdateUserRequest]) (*connect.Response[gatewayv1.UpdateUserResponse], error) {
	u, err := s.g.UpdateUser(ctx, caller(ctx), req.Msg.GetUser(), req.Msg.GetUpdateMask().GetPaths(), req.Msg.GetPassword())
	return reply(s, ctx, &gatewayv1.UpdateUserResponse{User: u}, err)
}

// CreateApiToken implements ApiTokenService: sign in, rate limited.
func (s *Server) CreateApiToken(ctx context.Context, req *connect.Request[gatewayv1.CreateApiTokenRequest]) (*connect.Response[gatewayv1.CreateApiTokenResponse], error) {
	addr, email := remote(ctx), req.Msg.GetEmail()
	how := core.SignIn{Action: "signin", Resource: "api_token", Channel: "api", RemoteAddr: addr}
	if err := Limit(s.guard.Allow(addr, email)); err != nil {
		s.g.HeldBack(email, how) // in the log, tallied (ADR 0221)
		return nil, s.toConnect(ctx, err)
	}
	a, err := s.g.Authenticate(ctx, email, req.Msg.GetPassword(), how)
	if err != nil {
		s.guard.Failed(addr, email)
		return nil, s.toConnect(ctx, err)
	}
	s.guard.Succeeded(addr, email)
	id, tok, exp, err := s.g.Accounts.CreateToken(ctx, a, req.Msg.GetName())
	if err == nil {
		// In the audit log, naming the token, before it is handed out; a
		// token the log does not hold is ended (ADR 0218).
		how.ResourceID = id
		if err = s.g.SignedIn(ctx, a, how); err != nil {
			_ = s.g.Accounts.DeleteToken(context.WithoutCancel(ctx), id, "")
			return nil, s.toConnect(ctx, err)
		}
	}
	return reply(s, ctx, &gatewayv1.CreateApiTokenResponse{Id: id, Token: tok, ExpireTime: timestamppb.New(exp), User: a.GetUser()}, err)
}

// Limit answers a refused sign-in attempt: TooManyRequests with the wait,
// or nil when ok.
func Limit(ok bool, retry time.Duration) error {
	if ok {
		return nil
	}
	return apperr.Errorf(core.TooManyRequests, "too many sign-in attempts; wait %s and try again", waitText(retry))
}

// waitText writes a wait as whole seconds below a minute ("20s") and
// whole minutes, rounded up, from there ("15m").
func waitText(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", RetrySeconds(d))
	}
	return fmt.Sprintf("%dm", int((d+time.Minute-1)/time.Minute))
}

// RetrySeconds is a wait in whole seconds, rounded up, at least 1: the
// Retry-After of a refusal whose message says waitText(d), so a client
// and a reader are told the same wait (below a minute, the same number).
func RetrySeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}

// AddrBucket names the rate-limit bucket of a client address (see
// account.AddrBucket).
func AddrBucket(addr string) string { return account.AddrBucket(addr) }

// DeleteApiToken implements ApiTokenService.
func (s *Server) DeleteApiToken(ctx context.Context, req *connect.Request[gatewayv1.DeleteApiTokenRequest]) (*connect.Response[gatewayv1.DeleteApiTokenResponse], error) {
	// Revoked and in the audit log: mp logout's as a sign-out (ADR 0221).
	err := s.g.RevokeToken(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.DeleteApiTokenResponse{}, err)
}

// GetParticipant implements RegistryService.
func (s *Server) GetParticipant(ctx context.Context, req *connect.Request[gatewayv1.GetParticipantRequest]) (*connect.Response[gatewayv1.GetParticipantResponse], error) {
	v, err := s.g.GetParticipant(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetParticipantResponse{Participant: v}, err)
}

// ListParticipants implements RegistryService.
func (s *Server) ListParticipants(ctx context.Context, req *connect.Request[gatewayv1.ListParticipantsRequest]) (*connect.Response[gatewayv1.ListParticipantsResponse], error) {
	res, err := s.g.ListParticipants(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

// CreateParticipant implements RegistryService.
func (s *Server) CreateParticipant(ctx context.Context, req *connect.Request[gatewayv1.CreateParticipantRequest]) (*connect.Response[gatewayv1.CreateParticipantResponse], error) {
	if req.Msg.GetValidateOnly() {
		// The web form's check: the create's own steps, nothing written
		// or audited, and the same answer the create would give (ADR 0148).
		err := s.g.ValidateParticipant(ctx, caller(ctx), req.Msg.GetParticipant(), req.Msg.GetRequestId())
		return reply(s, ctx, &gatewayv1.CreateParticipantResponse{}, err)
	}
	p, err := s.g.CreateParticipant(ctx, caller(ctx), req.Msg.GetParticipant(), req.Msg.GetRequestId())
	return reply(s, ctx, &gatewayv1.CreateParticipantResponse{Participant: p}, err)
}

// UpdateParticipant implements RegistryService.
func (s *Server) UpdateParticipant(ctx context.Context, req *connect.Request[gatewayv1.UpdateParticipantRequest]) (*connect.Response[gatewayv1.UpdateParticipantResponse], error) {
	p, err := s.g.UpdateParticipant(ctx, caller(ctx), req.Msg.GetParticipant(), req.Msg.GetUpdateMask().GetPaths())
	return reply(s, ctx, &gatewayv1.UpdateParticipantResponse{Participant: p}, err)
}

// GetVolunteer implements RegistryService.
func (s *Server) GetVolunteer(ctx context.Context, req *connect.Request[gatewayv1.GetVolunteerRequest]) (*connect.Response[gatewayv1.GetVolunteerResponse], error) {
	v, err := s.g.GetVolunteer(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetVolunteerResponse{Volunteer: v}, err)
}

// ListVolunteers implements RegistryService.
func (s *Server) ListVolunteers(ctx context.Context, req *connect.Request[gatewayv1.ListVolunteersRequest]) (*connect.Response[gatewayv1.ListVolunteersResponse], error) {
	res, err := s.g.ListVolunteers(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

// CreateVolunteer implements RegistryService.
func (s *Server) CreateVolunteer(ctx context.Context, req *connect.Request[gatewayv1.CreateVolunteerRequest]) (*connect.Response[gatewayv1.CreateVolunteerResponse], error) {
	if req.Msg.GetValidateOnly() {
		err := s.g.ValidateVolunteer(ctx, caller(ctx), req.Msg.GetVolunteer(), req.Msg.GetRequestId())
		return reply(s, ctx, &gatewayv1.CreateVolunteerResponse{}, err)
	}
	v, err := s.g.CreateVolunteer(ctx, caller(ctx), req.Msg.GetVolunteer(), req.Msg.GetRequestId())
	return reply(s, ctx, &gatewayv1.CreateVolunteerResponse{Volunteer: v}, err)
}

// UpdateVolunteer implements RegistryService.
func (s *Server) UpdateVolunteer(ctx context.Context, req *connect.Request[gatewayv1.UpdateVolunteerRequest]) (*connect.Response[gatewayv1.UpdateVolunteerResponse], error) {
	v, err := s.g.UpdateVolunteer(ctx, caller(ctx), req.Msg.GetVolunteer(), req.Msg.GetUpdateMask().GetPaths())
	return reply(s, ctx, &gatewayv1.UpdateVolunteerResponse{Volunteer: v}, err)
}

// ListOrganisations implements RegistryService.
func (s *Server) ListOrganisations(ctx context.Context, req *connect.Request[gatewayv1.ListOrganisationsRequest]) (*connect.Response[gatewayv1.ListOrganisationsResponse], error) {
	orgs, next, err := s.g.ListOrganisations(ctx, caller(ctx), req.Msg.GetPageSize(), req.Msg.GetPageToken())
	return reply(s, ctx, &gatewayv1.ListOrganisationsResponse{Organisations: orgs, NextPageToken: next}, err)
}

// CreateOrganisation implements RegistryService.
func (s *Server) CreateOrganisation(ctx context.Context, req *connect.Request[gatewayv1.CreateOrganisationRequest]) (*connect.Response[gatewayv1.CreateOrganisationResponse], error) {
	o, err := s.g.CreateOrganisation(ctx, caller(ctx), req.Msg.GetOrganisation(), req.Msg.GetRequestId())
	return reply(s, ctx, &gatewayv1.CreateOrganisationResponse{Organisation: o}, err)
}

// ListAuditEntries implements AuditService.
func (s *Server) ListAuditEntries(ctx context.Context, req *connect.Request[gatewayv1.ListAuditEntriesRequest]) (*connect.Response[gatewayv1.ListAuditEntriesResponse], error) {
	q := audit.Query{UserID: req.Msg.GetUserId(), ResourceID: req.Msg.GetResourceId(), PageSize: int(req.Msg.GetPageSize()), PageToken: req.Msg.GetPageToken(),
		NewestFirst: req.Msg.GetNewestFirst()}
	if t := req.Msg.GetStartTime(); t != nil {
		q.Start = t.AsTime()
	}
	if t := req.Msg.GetEndTime(); t != nil {
		q.End = t.AsTime()
	}
	es, next, err := s.g.SearchAudit(ctx, caller(ctx), q)
	return reply(s, ctx, &gatewayv1.ListAuditEntriesResponse{Entries: es, NextPageToken: next}, err)
}

// DeleteParticipant implements RegistryService.
func (s *Server) DeleteParticipant(ctx context.Context, req *connect.Request[gatewayv1.DeleteParticipantRequest]) (*connect.Response[gatewayv1.DeleteParticipantResponse], error) {
	err := s.g.DeleteParticipant(ctx, caller(ctx), req.Msg.GetId(), false)
	return reply(s, ctx, &gatewayv1.DeleteParticipantResponse{}, err)
}

// EraseParticipant implements RegistryService.
func (s *Server) EraseParticipant(ctx context.Context, req *connect.Request[gatewayv1.EraseParticipantRequest]) (*connect.Response[gatewayv1.EraseParticipantResponse], error) {
	err := s.g.DeleteParticipant(ctx, caller(ctx), req.Msg.GetId(), true)
	return reply(s, ctx, &gatewayv1.EraseParticipantResponse{}, err)
}

// RecordConsent implements RegistryService.
func (s *Server) RecordConsent(ctx context.Context, req *connect.Request[gatewayv1.RecordConsentRequest]) (*connect.Response[gatewayv1.RecordConsentResponse], error) {
	p, err := s.g.RecordConsent(ctx, caller(ctx), req.Msg.GetId(), req.Msg.GetConsent())
	return reply(s, ctx, &gatewayv1.RecordConsentResponse{Participant: p}, err)
}

// WithdrawConsent implements RegistryService.
func (s *Server) WithdrawConsent(ctx context.Context, req *connect.Request[gatewayv1.WithdrawConsentRequest]) (*connect.Response[gatewayv1.WithdrawConsentResponse], error) {
	p, err := s.g.WithdrawConsent(ctx, caller(ctx), req.Msg.GetId(), req.Msg.GetPurpose())
	return reply(s, ctx, &gatewayv1.WithdrawConsentResponse{Participant: p}, err)
}

// DeleteVolunteer implements RegistryService.
func (s *Server) DeleteVolunteer(ctx context.Context, req *connect.Request[gatewayv1.DeleteVolunteerRequest]) (*connect.Response[gatewayv1.DeleteVolunteerResponse], error) {
	err := s.g.DeleteVolunteer(ctx, caller(ctx), req.Msg.GetId(), false)
	return reply(s, ctx, &gatewayv1.DeleteVolunteerResponse{}, err)
}

// EraseVolunteer implements RegistryService.
func (s *Server) EraseVolunteer(ctx context.Context, req *connect.Request[gatewayv1.EraseVolunteerRequest]) (*connect.Response[gatewayv1.EraseVolunteerResponse], error) {
	err := s.g.DeleteVolunteer(ctx, caller(ctx), req.Msg.GetId(), true)
	return reply(s, ctx, &gatewayv1.EraseVolunteerResponse{}, err)
}

// ListNamesakes implements RegistryService.
func (s *Server) ListNamesakes(ctx context.Context, req *connect.Request[gatewayv1.ListNamesakesRequest]) (*connect.Response[gatewayv1.ListNamesakesResponse], error) {
	res, err := s.g.ListNamesakes(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}
