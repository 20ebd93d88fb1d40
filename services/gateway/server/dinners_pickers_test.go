package server_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDinnerPickersReadOnlyWhomTheyOffer: the offer form's host picker and
// the sign-up form's guest picker ask the volunteers and participants
// services for dinner hosts and consenting newcomers only (ADR 0117), so
// the records a form view reads, and its audit entries name, are the
// people it offers: a volunteer without the role and a newcomer who
// withdrew the dinners consent are neither offered nor read. (Before, the
// guest picker read every newcomer and offered one whose dinners consent
// was withdrawn: the consent stays on the record with its withdrawal
// time.)
func TestDinnerPickersReadOnlyWhomTheyOffer(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Plockarna", "0180")
	coord := e.coordinator(admin, "plock@example.org", org, "0180")
	host, mentor := dinnerHost(t, coord, org, "0180", "Karin"), dinnerHost(t, coord, org, "0180", "Olle")
	if _, err := coord.registry.UpdateVolunteer(ctx, connect.NewRequest(&gatewayv1.UpdateVolunteerRequest{
		Volunteer: &volunteersv1.Volunteer{Id: mentor}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"roles"}}})); err != nil {
		t.Fatalf("take Olle's dinner-host role away: %v", err)
	}
	guest, other := dinnerGuest(t, coord, org, "0180", "Leila"), dinnerGuest(t, coord, org, "0180", "Amal")
	if _, err := coord.registry.WithdrawConsent(ctx, connect.NewRequest(&gatewayv1.WithdrawConsentRequest{
		Id: other, Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS})); err != nil {
		t.Fatalf("withdraw Amal's dinners consent: %v", err)
	}

	b := e.browser()
	b.signIn("plock@example.org", password)
	before := time.Now()
	_, offerForm := b.get("/dinners/offers/new")
	_, signUpForm := b.get("/dinners/signups/new")
	mustContain(t, offerForm, "Karin Lindgren")
	mustContain(t, signUpForm, "Leila Haddad")
	if strings.Contains(offerForm, "Olle Lindgren") || strings.Contains(signUpForm, "Amal Haddad") {
		t.Errorf("a picker offers someone without the role or the consent")
	}

	// The audit log is read until it holds the views' list entries.
	read := map[string]bool{}
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		res, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{StartTime: timestamppb.New(before), PageSize: 1000}))
		if err != nil {
			return err
		}
		clear(read)
		for _, a := range res.Msg.GetEntries() {
			if a.GetAction() == "list" && (a.GetResourceType() == "volunteer" || a.GetResourceType() == "participant") {
				for _, id := range a.GetResourceIds() {
					read[id] = true
				}
			}
		}
		if !read[host] || !read[guest] {
			return fmt.Errorf("the audit names no picker read of the host or the guest yet: %v", slices.Sorted(maps.Keys(read)))
		}
		return nil
	})
	for _, id := range []string{mentor, other} {
		if read[id] {
			t.Errorf("a form view read %s, whom it does not offer (audit: %v)", id, slices.Sorted(maps.Keys(read)))
		}
	}
}
