package main

import (
	"crypto/ed25519"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestServiceCallers_OneMethodPerService runs the stack with a key of
// mentoring's own beside the stack's, bound to mentoring's service
// subject (as ADR 0210 would give it if mentoring signed), and calls, on
// each service over real gRPC, a method another service may call but
// mentoring may not: mentoring's token is PermissionDenied there, the
// listed caller's (signed with its own key) is not, and neither is an
// admin's signed with the gateway's key (the gateway's key still serves
// people). Mentoring's key cannot sign a person: Unauthenticated.
func TestServiceCallers_OneMethodPerService(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	mk, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.extraKeys = map[string]auth.BoundKey{"mentoring": {Key: mk.Public().(ed25519.PublicKey),
		Grants: auth.Grants{Services: []string{"mentoring"}}}}
	l, _, _ := startStack(t, cfg)
	ctx := testutil.Context(t)
	gw, err := readKey(cfg.SigningKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	nk, err := readKey(cfg.NotifyKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	sign := func(k ed25519.PrivateKey, kid string, c auth.Claims) string {
		t.Helper()
		tok, err := auth.NewSigner(k, kid, time.Now).Sign(c, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	svc := func(sub string) auth.Claims { return auth.Claims{Subject: sub, Role: auth.RoleService, Issuer: sub} }
	asMentoring := sign(mk, "mentoring", svc("mentoring"))
	asNotify := sign(nk, notifyKeyID, svc(auth.NotifySubject))
	asGateway := sign(gw, localKeyID, svc(auth.GatewaySubject))
	admin := sign(gw, localKeyID, auth.Claims{Subject: "callers-admin", Role: auth.RoleAdmin})
	mentoringAdmin := sign(mk, "mentoring", auth.Claims{Subject: "callers-admin", Role: auth.RoleAdmin})

	cases := map[string]string{ // method -> its listed caller's token
		"/motesplats.participants.v1.ParticipantService/GetParticipant": asNotify,
		"/motesplats.volunteers.v1.VolunteerService/GetVolunteer":       asNotify,
		"/motesplats.mentoring.v1.MentoringService/GetPair":             asNotify,
		"/motesplats.dinners.v1.DinnerService/GetOffer":                 asNotify,
		"/motesplats.guides.v1.GuideService/GetAssignment":              asNotify,
		"/motesplats.notify.v1.AnswerService/ResolveLink":               asGateway,
	}
	s := newSweeper(t, l)
	found := 0
	for _, m := range serviceMethods(t) {
		listed, ok := cases[m.path()]
		if !ok {
			continue
		}
		found++
		req := func() any { return request(m, ids.UUIDv7{}.New(), "callers") }
		if a := s.call(ctx, m, asMentoring, req()); a.code != codes.PermissionDenied || a.msg != auth.MsgServiceNotAllowed {
			t.Errorf("%s as mentoring: %v, want PermissionDenied %q", m.path(), a, auth.MsgServiceNotAllowed)
		}
		for who, tok := range map[string]string{"its listed service": listed, "an admin of the gateway's key": admin} {
			if a := s.call(ctx, m, tok, req()); a.msg == auth.MsgServiceNotAllowed || a.code == codes.Unauthenticated {
				t.Errorf("%s as %s: %v, want it taken", m.path(), who, a)
			}
		}
		if a := s.call(ctx, m, mentoringAdmin, req()); a.code != codes.Unauthenticated || a.msg != "missing or invalid token" {
			t.Errorf("%s as an admin signed with mentoring's key: %v, want Unauthenticated", m.path(), a)
		}
	}
	if found != len(cases) {
		t.Fatalf("found %d of the %d methods", found, len(cases))
	}
}
