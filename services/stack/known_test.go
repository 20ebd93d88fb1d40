package main

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/service"
	dinners "github.com/motesplats/motesplats/services/dinners/server"
	gateway "github.com/motesplats/motesplats/services/gateway/server"
	guides "github.com/motesplats/motesplats/services/guides/server"
	mentoring "github.com/motesplats/motesplats/services/mentoring/server"
	notify "github.com/motesplats/motesplats/services/notify/server"
	participants "github.com/motesplats/motesplats/services/participants/server"
	volunteers "github.com/motesplats/motesplats/services/volunteers/server"
)

// TestAddressesFromOnePlace: the stack, the gateway's clients and each
// standalone service default to the addresses pkg/service lists, and an
// <NAME>_ADDR variable moves the stack's service and the gateway's client
// together.
func TestAddressesFromOnePlace(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ own, known string }{
		"participants": {participants.DefaultAddr, service.Participants.Addr},
		"volunteers":   {volunteers.DefaultAddr, service.Volunteers.Addr},
		"mentoring":    {mentoring.DefaultAddr, service.Mentoring.Addr},
		"guides":       {guides.DefaultAddr, service.Guides.Addr},
		"dinners":      {dinners.DefaultAddr, service.Dinners.Addr},
		"notify":       {notify.DefaultAddr, service.Notify.Addr},
		"gateway":      {gateway.DefaultAddr, service.GatewayAddr},
	} {
		if tc.own != tc.known {
			t.Errorf("%s listens on %s by default, pkg/service says %s", name, tc.own, tc.known)
		}
	}
	none := func(string) string { return "" }
	c, err := configFromEnv(none)
	if err != nil {
		t.Fatal(err)
	}
	if c.ParticipantsAddr != service.Participants.Addr || c.VolunteersAddr != service.Volunteers.Addr || c.MentoringAddr != service.Mentoring.Addr {
		t.Errorf("stack defaults %s %s %s", c.ParticipantsAddr, c.VolunteersAddr, c.MentoringAddr)
	}
	env := map[string]string{service.Participants.Env: "127.0.0.1:17001", service.Volunteers.Env: "127.0.0.1:17002", service.Mentoring.Env: "127.0.0.1:17003"}
	getenv := func(k string) string { return env[k] }
	c, err = configFromEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.ConfigFromEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.ParticipantsAddr, c.VolunteersAddr, c.MentoringAddr, gw.Services.Participants, gw.Services.Volunteers, gw.Services.Mentoring}
	want := []string{"127.0.0.1:17001", "127.0.0.1:17002", "127.0.0.1:17003", "127.0.0.1:17001", "127.0.0.1:17002", "127.0.0.1:17003"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("address %d = %s, want %s (stack, then gateway)", i, got[i], want[i])
		}
	}
	if gw, _ := gateway.ConfigFromEnv(none); gw.Services.Mentoring != "" {
		t.Errorf("the standalone gateway defaults to mentoring at %q; want none (matching off)", gw.Services.Mentoring)
	}
}
