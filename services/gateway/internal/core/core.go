// Package core is what the gateway does for a signed-in caller, whichever
// way the request came (a web page or the Connect API): it checks the
// caller's role, calls the services with the caller's token, joins views,
// and writes the audit entry. The web and API packages only translate.
package core

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
	"github.com/motesplats/motesplats/services/gateway/internal/removedkv"
)

// Caller is who makes a request and from where.
type Caller struct {
	account.Principal
	// RemoteAddr is the client's address, for the audit log.
	RemoteAddr string
	// Channel is "web" or "api".
	Channel string
}

// Gateway carries out requests.
type Gateway struct {
	Accounts *account.Service
	Backend  *backend.Backend
	Audit    *audit.Log
	Log      *slog.Logger
	// DeadLetters reads, replays and discards the consumers' dead letters
	// on the shared NATS (deadletters.go); nil turns them off.
	DeadLetters *events.DeadLetters
	// Now is the clock of the sign-in refusals' minutes (refusals.go);
	// nil is time.Now.
	Now func() time.Time
	// Removals remembers for every replica what each user removed or
	// erased (ADR 0255); nil leaves only each process's own memory.
	Removals *removedkv.Shared

	// figures caches the dashboard's and the reports' counts (figures.go).
	figures figures
	// refused writes sign-in refusals, tallied where unbounded
	// (refusals.go), made at its first use.
	refusalOnce sync.Once
	refused     *refusals
	// setupLogged is set once the setup's admin is known to be in the
	// audit log, or never will be known (setup.go): sign-ins stop asking.
	setupLogged atomic.Bool
	// setupCreated, when set (tests), runs once the setup's admin exists,
	// before its entry: where a kill leaves the admin unrecorded.
	setupCreated func()
}

// errOperator refuses personal data to operators.
var errOperator = apperr.Errorf(apperr.PermissionDenied, "your role does not give access to personal data")

// errAdminOnly refuses admin screens to others.
var errAdminOnly = apperr.Errorf(apperr.PermissionDenied, "only admins may do this")

func personal(c Caller) error {
	if c.User.GetRole() == gatewayv1.Role_ROLE_OPERATOR {
		return errOperator
	}
	return nil
}

// IsAdmin reports whether the caller is an admin.
func (c Caller) IsAdmin() bool { return c.User.GetRole() == gatewayv1.Role_ROLE_ADMIN }

func adminOnly(c Caller) error {
	if !c.IsAdmin() {
		return errAdminOnly
	}
	return nil
}

// record appends an audit entry for the outcome of an action and returns
// the error the caller gets: the action's own, or Unavailable when the
// entry could not be written (no unrecorded access).
func (g *Gateway) record(ctx context.Context, c Caller, action, resource, id string, err error) error {
	return g.recordIDs(ctx, c, action, resource, id, nil, err)
}

// recordList is record for a list or search: the entry names every record
// returned, so "who saw this person" can be answered for lists too.
func (g *Gateway) recordList(ctx context.Context, c Caller, resource string, ids []string, err error) error {
	return g.recordIDs(ctx, c, "list", resource, "", ids, err)
}

func (g *Gateway) recordIDs(ctx context.Context, c Caller, action, resource, id string, ids []string, err error) error {
	switch action {
	case "read", "list", "search", "export":
	default:
		g.figures.wrote() // a change: cached counts may be wrong now
	}
	outcome := "ok"
	if err != nil {
		outcome = string(Public(ctx, g.Log, err).Code)
	}
	// What a caller sent where an id goes is kept by the log's own rule
	// (audit.KeptID, in Log.Record), as for every other entry.
	aerr := g.Audit.Record(context.WithoutCancel(ctx), &gatewayv1.AuditEntry{
		UserId: c.User.GetId(), Role: c.User.GetRole().String(), Action: action, ResourceType: resource,
		ResourceId: id, ResourceIds: ids, RemoteAddr: c.RemoteAddr, Outcome: outcome, Channel: c.Channel,
	})
	if aerr != nil {
		g.Log.ErrorContext(ctx, "audit entry not written", "err", aerr)
		if err == nil {
			return apperr.Errorf(apperr.Unavailable, "the audit log is not available; try again in a moment")
		}
	}
	return err
}

// as returns ctx carrying the caller's service token.
func (g *Gateway) as(ctx context.Context, c Caller) (context.Context, error) {
	return g.Backend.As(ctx, c.Claims())
}

// personalAs is as for calls that touch personal data, which operators
// may not make.
func (g *Gateway) personalAs(ctx context.Context, c Caller) (context.Context, error) {
	if err := personal(c); err != nil {
		return nil, err
	}
	return g.as(ctx, c)
}

// Claims exposes the caller's service claims (scope checks of joined views).
func (c Caller) Claims() auth.Claims { return c.Principal.Claims() }

// GetParticipant returns a newcomer with the organisation's name.
func (g *Gateway) GetParticipant(ctx context.Context, c Caller, id string) (*gatewayv1.ParticipantView, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Participants.GetParticipant(sctx, &participantsv1.GetParticipantRequest{Id: id})
	if err := g.record(ctx, c, "read", "participant", id, err); err != nil {
		return nil, err
	}
	p := res.GetParticipant()
	org, err := g.organisationName(ctx, p.GetOrganisationId())
	if err != nil {
		return nil, err
	}
	return &gatewayv1.ParticipantView{Participant: p, OrganisationName: org}, nil
}

// ListParticipants pages through newcomers in the caller's scope.
func (g *Gateway) ListParticipants(ctx context.Context, c Caller, r *gatewayv1.ListParticipantsRequest) (*gatewayv1.ListParticipantsResponse, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Participants.ListParticipants(sctx, forward(&participantsv1.ListParticipantsRequest{}, r))
	if err := g.recordList(ctx, c, "participant", withNamesakes(idsOf(res.GetParticipants()), res.GetNamesakes()), err); err != nil {
		return nil, err
	}
	return forward(&gatewayv1.ListParticipantsResponse{}, res), nil
}

// CreateParticipant registers a newcomer; each consent must name a
// published text (consent.Set.Check, ADR 0126), and a refusal of one
// lists the request's other problems too (everyViolation, ADR 0132).
func (g *Gateway) CreateParticipant(ctx context.Context, c Caller, p *participantsv1.Participant, requestID string) (*participantsv1.Participant, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := checkConsents(p); err != nil {
		return nil, everyViolation(err, g.validateCreate(sctx, p, requestID))
	}
	res, err := g.Backend.Participants.CreateParticipant(sctx, &participantsv1.CreateParticipantRequest{Participant: p, RequestId: requestID})
	if err := g.record(ctx, c, "create", "participant", res.GetParticipant().GetId(), err); err != nil {
		return nil, err
	}
	return res.GetParticipant(), nil
}

// UpdateParticipant changes the named fields of a newcomer.
func (g *Gateway) UpdateParticipant(ctx context.Context, c Caller, p *participantsv1.Participant, paths []string) (*participantsv1.Participant, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Participants.UpdateParticipant(sctx, &participantsv1.UpdateParticipantRequest{Participant: p, UpdateMask: mask(paths)})
	if err := g.record(ctx, c, "update", "participant", p.GetId(), err); err != nil {
		return nil, err
	}
	return res.GetParticipant(), nil
}

// GetVolunteer returns a volunteer with the organisation's name.
func (g *Gateway) GetVolunteer(ctx context.Context, c Caller, id string) (*gatewayv1.VolunteerView, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Volunteers.GetVolunteer(sctx, &volunteersv1.GetVolunteerRequest{Id: id})
	if err := g.record(ctx, c, "read", "volunteer", id, err); err != nil {
		return nil, err
	}
	v := res.GetVolunteer()
	org, err := g.organisationName(ctx, v.GetOrganisationId())
	if err != nil {
		return nil, err
	}
	return &gatewayv1.VolunteerView{Volunteer: v, OrganisationName: org}, nil
}

// ListVolunteers pages through volunteers in the caller's scope.
func (g *Gateway) ListVolunteers(ctx context.Context, c Caller, r *gatewayv1.ListVolunteersRequest) (*gatewayv1.ListVolunteersResponse, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Volunteers.ListVolunteers(sctx, forward(&volunteersv1.ListVolunteersRequest{}, r))
	if err := g.recordList(ctx, c, "volunteer", withNamesakes(idsOf(res.GetVolunteers()), res.GetNamesakes()), err); err != nil {
		return nil, err
	}
	return forward(&gatewayv1.ListVolunteersResponse{}, res), nil
}

// CreateVolunteer registers a volunteer.
func (g *Gateway) CreateVolunteer(ctx context.Context, c Caller, v *volunteersv1.Volunteer, requestID string) (*volunteersv1.Volunteer, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Volunteers.CreateVolunteer(sctx, &volunteersv1.CreateVolunteerRequest{Volunteer: v, RequestId: requestID})
	if err := g.record(ctx, c, "create", "volunteer", res.GetVolunteer().GetId(), err); err != nil {
		return nil, err
	}
	return res.GetVolunteer(), nil
}

// UpdateVolunteer changes the named fields of a volunteer.
func (g *Gateway) UpdateVolunteer(ctx context.Context, c Caller, v *volunteersv1.Volunteer, paths []string) (*volunteersv1.Volunteer, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Volunteers.UpdateVolunteer(sctx, &volunteersv1.UpdateVolunteerRequest{Volunteer: v, UpdateMask: mask(paths)})
	if err != nil {
		// A refused move was stored, then undone without an event (ADR
		// 0152): a view read meanwhile would show it for the cache's TTL.
		g.Backend.ForgetVolunteer(ctx, v.GetId())
	}
	if err := g.record(ctx, c, "update", "volunteer", v.GetId(), err); err != nil {
		return nil, err
	}
	return res.GetVolunteer(), nil
}

// ListOrganisations lists organisations; a coordinator sees only their own.
func (g *Gateway) ListOrganisations(ctx context.Context, c Caller, pageSize int32, pageToken string) ([]*volunteersv1.Organisation, string, error) {
	sctx, err := g.as(ctx, c)
	if err != nil {
		return nil, "", err
	}
	res, err := g.Backend.Volunteers.ListOrganisations(sctx, &volunteersv1.ListOrganisationsRequest{PageSize: pageSize, PageToken: pageToken})
	if err != nil {
		return nil, "", err
	}
	orgs := res.GetOrganisations()
	if c.User.GetRole() == gatewayv1.Role_ROLE_COORDINATOR {
		orgs = slices.DeleteFunc(slices.Clone(orgs), func(o *volunteersv1.Organisation) bool { return o.GetId() != c.User.GetOrganisationId() })
	}
	return orgs, res.GetNextPageToken(), nil
}

// SearchAudit searches the audit log. Admins only; the search itself is
// recorded too.
func (g *Gateway) SearchAudit(ctx context.Context, c Caller, q audit.Query) ([]*gatewayv1.AuditEntry, string, error) {
	if err := adminOnly(c); err != nil {
		return nil, "", err
	}
	out, next, err := g.Audit.Search(ctx, q)
	if err := g.record(ctx, c, "search", "audit", q.UserID, err); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// idsOf returns the ids of records, for list audit entries.
func idsOf[T interface{ GetId() string }](rs []T) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.GetId())
	}
	return out
}

// withNamesakes is ids with the namesakes' ids it lacks: a page that
// asked for its people's namesakes shows when each was registered, so
// the audit trail records them as read with the page (ADR 0196).
func withNamesakes(ids []string, namesakes []*typev1.Namesake) []string {
	for _, n := range namesakes {
		if !slices.Contains(ids, n.GetId()) {
			ids = append(ids, n.GetId())
		}
	}
	return ids
}

// DeleteParticipant removes a newcomer who leaves, or with erase purges
// every trace of them. The gateway's cached views of the newcomer (the
// name shown on pairs) are dropped at once, before the event that would
// drop them arrives.
func (g *Gateway) DeleteParticipant(ctx context.Context, c Caller, id string, erase bool) error {
	return g.remove(ctx, c, "participant", id, erase, func(sctx context.Context) (err error) {
		if erase {
			_, err = g.Backend.Participants.EraseParticipant(sctx, &participantsv1.EraseParticipantRequest{Id: id})
		} else {
			_, err = g.Backend.Participants.DeleteParticipant(sctx, &participantsv1.DeleteParticipantRequest{Id: id})
		}
		return err
	}, g.Backend.ForgetParticipant)
}

// DeleteVolunteer is DeleteParticipant for volunteers.
func (g *Gateway) DeleteVolunteer(ctx context.Context, c Caller, id string, erase bool) error {
	return g.remove(ctx, c, "volunteer", id, erase, func(sctx context.Context) (err error) {
		if erase {
			_, err = g.Backend.Volunteers.EraseVolunteer(sctx, &volunteersv1.EraseVolunteerRequest{Id: id})
		} else {
			_, err = g.Backend.Volunteers.DeleteVolunteer(sctx, &volunteersv1.DeleteVolunteerRequest{Id: id})
		}
		return err
	}, g.Backend.ForgetVolunteer)
}

// remove is what DeleteParticipant and DeleteVolunteer share: the role
// check, the call under the caller's token, forgetting the cached views
// once it succeeded, and the audit entry ("delete" or "erase").
func (g *Gateway) remove(ctx context.Context, c Caller, resource, id string, erase bool,
	call func(sctx context.Context) error, forget func(ctx context.Context, id string)) error {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return err
	}
	action := "delete"
	if erase {
		action = "erase"
	}
	err = call(sctx)
	if err == nil {
		forget(ctx, id)
	}
	return g.record(ctx, c, action, resource, id, err)
}

// RecordConsent records a newcomer's consent for one purpose, to a
// published text only (consent.Set.Check, ADR 0126; a refusal lists the
// request's other problems too, everyViolation).
func (g *Gateway) RecordConsent(ctx context.Context, c Caller, id string, k *participantsv1.Consent) (*participantsv1.Participant, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	consent.Texts().Check(&v, "consent", k)
	if err := v.Err(); err != nil {
		return nil, everyViolation(err, func() error {
			_, err := g.Backend.Participants.RecordConsent(sctx, &participantsv1.RecordConsentRequest{ParticipantId: id, Consent: k, ValidateOnly: true})
			return err
		})
	}
	res, err := g.Backend.Participants.RecordConsent(sctx, &participantsv1.RecordConsentRequest{ParticipantId: id, Consent: k})
	if err := g.record(ctx, c, "record_consent", "participant", id, err); err != nil {
		return nil, err
	}
	return res.GetParticipant(), nil
}

// WithdrawConsent withdraws a newcomer's consent for one purpose.
func (g *Gateway) WithdrawConsent(ctx context.Context, c Caller, id string, purpose eventsv1.ConsentPurpose) (*participantsv1.Participant, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Participants.WithdrawConsent(sctx, &participantsv1.WithdrawConsentRequest{ParticipantId: id, Purpose: purpose})
	if err := g.record(ctx, c, "withdraw_consent", "participant", id, err); err != nil {
		return nil, err
	}
	return res.GetParticipant(), nil
}
