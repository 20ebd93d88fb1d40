// Package directory is notify's window on the other services: it reads
// people and proposals over gRPC with notify's own service token, and
// applies a person's answer through the programme's own RPC with a token
// scoped to the proposal's organisation and municipality. It implements
// notice.Directory and notice.Programmes.
package directory

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// Addrs are the services' gRPC addresses.
type Addrs struct {
	Participants, Volunteers, Mentoring, Dinners, Guides string
}

// Client reads and answers through the services.
type Client struct {
	signer       *auth.Signer
	participants participantsv1.ParticipantServiceClient
	volunteers   volunteersv1.VolunteerServiceClient
	mentoring    mentoringv1.MentoringServiceClient
	dinners      dinnersv1.DinnerServiceClient
	guides       guidesv1.GuideServiceClient
	conns        []*grpc.ClientConn
	timeout      time.Duration
}

var (
	_ notice.Directory  = (*Client)(nil)
	_ notice.Programmes = (*Client)(nil)
)

// Subject names notify in the tokens it signs, so a programme's audit and
// updated_by say an answer came by link.
const (
	Subject       = "notify"
	AnswerSubject = auth.AnswerLinkSubject
)

// New dials the services (lazily: they may start after notify). Reads use
// a service token signed by signer; Close releases the connections.
func New(a Addrs, signer *auth.Signer) (*Client, error) {
	c := &Client{signer: signer, timeout: 10 * time.Second}
	self := auth.SignerSource(signer, auth.Claims{Subject: Subject, Role: auth.RoleService, Issuer: Subject}, 5*time.Minute)
	dial := func(addr string) (*grpc.ClientConn, error) {
		cc, err := grpcx.Dial(addr, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(self)))
		if err == nil {
			c.conns = append(c.conns, cc)
		}
		return cc, err
	}
	for _, x := range []struct {
		addr string
		set  func(*grpc.ClientConn)
	}{
		{a.Participants, func(cc *grpc.ClientConn) { c.participants = participantsv1.NewParticipantServiceClient(cc) }},
		{a.Volunteers, func(cc *grpc.ClientConn) { c.volunteers = volunteersv1.NewVolunteerServiceClient(cc) }},
		{a.Mentoring, func(cc *grpc.ClientConn) { c.mentoring = mentoringv1.NewMentoringServiceClient(cc) }},
		{a.Dinners, func(cc *grpc.ClientConn) { c.dinners = dinnersv1.NewDinnerServiceClient(cc) }},
		{a.Guides, func(cc *grpc.ClientConn) { c.guides = guidesv1.NewGuideServiceClient(cc) }},
	} {
		cc, err := dial(x.addr)
		if err != nil {
			c.Close()
			return nil, err
		}
		x.set(cc)
	}
	return c, nil
}

// Close closes the connections.
func (c *Client) Close() {
	for _, cc := range c.conns {
		_ = cc.Close()
	}
}

// fromStatus maps a callee's status to the codes notice acts on; the
// callee's message is dropped (it is not ours to show).
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	switch status.Code(err) {
	case codes.NotFound:
		return apperr.Errorf(apperr.NotFound, "not found")
	case codes.FailedPrecondition:
		return apperr.Errorf(apperr.FailedPrecondition, "the proposal does not take this answer now")
	case codes.Aborted:
		// "Changed at the same time; answer again" (the programmes'
		// Conflict; guides' word for its store not answering): the offer
		// is still open. Read as "moved on" it settled the link as used
		// and showed a person with an open offer "withdrawn" (ADR 0198).
		return apperr.Errorf(apperr.Unavailable, "the proposal changed at the same time; try again")
	case codes.InvalidArgument:
		return apperr.Errorf(apperr.Invalid, "refused")
	}
	return apperr.Errorf(apperr.Unavailable, "unavailable")
}

// Person reads a participant or volunteer.
func (c *Client) Person(ctx context.Context, id string, volunteer bool) (notice.Person, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if volunteer {
		res, err := c.volunteers.GetVolunteer(ctx, &volunteersv1.GetVolunteerRequest{Id: id})
		if err != nil {
			return notice.Person{}, fromStatus(err)
		}
		v := res.GetVolunteer()
		return person(v.GetGivenName(), v.GetOrganisationId(), v.GetContact(), v.GetNotifications()), nil
	}
	res, err := c.participants.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id})
	if err != nil {
		return notice.Person{}, fromStatus(err)
	}
	p := res.GetParticipant()
	return person(p.GetGivenName(), p.GetOrganisationId(), p.GetContact(), p.GetNotifications()), nil
}

func person(given, org string, ct *typev1.Contact, n *typev1.NotificationPreferences) notice.Person {
	return notice.Person{FirstName: given, Email: ct.GetEmail(), Phone: ct.GetPhone(), OrganisationID: org,
		Language: people.MessageLanguage(n, ct), Channel: n.GetPreferredChannel(), OptOuts: n.GetOptOuts()}
}
