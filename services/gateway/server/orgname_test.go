package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/redis/go-redis/v9"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	volunteers "github.com/motesplats/motesplats/services/volunteers/server"
)

// volunteersForgetting is participantsForgetting for the volunteers
// service: every organisation is NotFound to it, as one removed is.
func (e *env) volunteersForgetting(t *testing.T) {
	t.Helper()
	n := testutil.MustNATS(t)
	d := service.Deps{JS: n.JS, Verifier: e.deps.Verifier, Now: e.deps.Now}.WithDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	done, ready := make(chan error, 1), make(chan net.Addr, 1)
	go func() {
		done <- volunteers.Run(ctx, e.addrs.Volunteers, d, volunteers.Options{}, func(a net.Addr) { ready <- a })
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("volunteers again on %s: %v", e.addrs.Volunteers, err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("volunteers again: %v", err)
		}
	})
}

// forgetOrganisations deletes the gateway's cached organisation names.
func forgetOrganisations(t *testing.T, rc *redis.Client) {
	t.Helper()
	ctx := testutil.Context(t)
	iter := rc.Scan(ctx, 0, "*organisation/*", 100).Iterator()
	for iter.Next(ctx) {
		if err := rc.Del(ctx, iter.Val()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestOrganisationNameWhileVolunteersIsDown (ADR 0188; ADR 0182 Left): a
// newcomer's page and the API's view of them showed no organisation at
// all when its name could not be read, whatever the reason. With the
// volunteers service down the read now fails as "a service is not
// answering" (web 503 "try again", API Unavailable) and says nothing is
// removed; with the organisation NotFound (removed) the page says
// "(removed)" where its name was, and the API's name is empty.
func TestOrganisationNameWhileVolunteersIsDown(t *testing.T) {
	t.Parallel()
	e, rc, _ := startWithRedis(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Borås", "0180")
	c := e.coordinator(admin, "org@example.org", org, "0180")
	id := newcomer(t, c, org, "0180", "Orghild")
	b := e.browser()
	b.signIn("org@example.org", password)
	get := func() (*gatewayv1.ParticipantView, error) {
		res, err := c.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: id}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetParticipant(), nil
	}

	if code, page := b.get("/participants/" + id); code != http.StatusOK || !strings.Contains(page, `<p class="muted">Röda Korset Borås</p>`) {
		t.Fatalf("with volunteers up: %d, want the organisation's name\n%s", code, trim(page))
	}
	if v, err := get(); err != nil || v.GetOrganisationName() != "Röda Korset Borås" {
		t.Fatalf("API with volunteers up: %q %v", v.GetOrganisationName(), err)
	}

	e.stopVolunteers()
	forgetOrganisations(t, rc)
	code, page := b.get("/participants/" + id)
	if code != http.StatusServiceUnavailable || !strings.Contains(page, "try again") || strings.Contains(page, "removed") {
		t.Errorf("with volunteers down, the newcomer's page: %d, want 503 saying try again and nothing removed\n%s", code, trim(page))
	}
	if v, err := get(); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Errorf("API with volunteers down: organisation %q, %v; want Unavailable", v.GetOrganisationName(), err)
	}

	e.volunteersForgetting(t)
	// The gateway's connection comes back after its reconnect backoff.
	testutil.CheckFor(t, 60*time.Second, 250*time.Millisecond, func() error {
		code, page := b.get("/participants/" + id)
		if code != http.StatusOK || !strings.Contains(page, `<p class="muted">(removed)</p>`) || !strings.Contains(page, "Orghild") {
			return fmt.Errorf("with the organisation removed: %d, want the newcomer's page saying (removed) for it\n%s", code, trim(page))
		}
		if v, err := get(); err != nil || v.GetOrganisationName() != "" {
			return fmt.Errorf("API with the organisation removed: %q %v, want no name and no error", v.GetOrganisationName(), err)
		}
		return nil
	})
}
