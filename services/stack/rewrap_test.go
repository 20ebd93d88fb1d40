package main

import (
	"bytes"
	"fmt"
	"testing"

	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRewrap rotates the data key of a stopped stack's store: the old key
// is retired and everyone not erased is still readable.
func TestRewrap(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	old, err := seal.GenerateKEK()
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataKey = old
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	m := newMarkers(t)
	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Rotated", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: m.participant(org.GetOrganisation().GetId(), 0)})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cfg.DataKey, cfg.DataKeyOld = "", old // the new key: the stack's data.key
	if err := rewrap(ctx, cfg, []string{"-nats", "nats://" + l.Addr("nats")}, &out); err != nil {
		t.Fatalf("rewrap: %v", err)
	}
	// The participant's key, and keys the participants service stored
	// ahead for people not yet created (seal.Pool, ADR 0034): at least one.
	var n int
	if _, err := fmt.Sscanf(out.String(), "rewrapped %d data keys", &n); err != nil || n < 1 {
		t.Errorf("rewrap said %q, want at least 1 key rewrapped", out.String())
	}
	stop()
	cfg.DataKeyOld = "" // retired
	l, _, _ = startStack(t, cfg)
	c = dialClients(t, cfg, l)
	got, err := c.p.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: p.GetParticipant().GetId()})
	if err != nil || got.GetParticipant().GetGivenName() != p.GetParticipant().GetGivenName() {
		t.Fatalf("after rotation get = %v, %v", got, err)
	}
}
