package main

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/service"
)

// TestIgnoredNATSUserIsSaid: make run's banner says that NATS_USER and
// NATS_PASSWORD do nothing for its embedded NATS when either is set, and
// says nothing when neither is (ADR 0227's last NATS finding).
func TestIgnoredNATSUserIsSaid(t *testing.T) {
	for _, c := range []struct {
		auth service.NATSAuth
		said bool
	}{
		{service.NATSAuth{}, false},
		{service.NATSAuth{User: "motesplats", Password: "mpsecret"}, true},
		{service.NATSAuth{User: "stack"}, true},
		{service.NATSAuth{Password: "mpsecret"}, true},
	} {
		line := ignoredNATSUser(c.auth)
		if got := line != ""; got != c.said {
			t.Errorf("%+v: said %v, want %v", c.auth, got, c.said)
		}
		if c.said && (!strings.Contains(line, "NATS_USER") || !strings.Contains(line, "takes no user")) {
			t.Errorf("%+v: %q does not name the variables and what this NATS takes", c.auth, line)
		}
		if strings.Contains(line, "mpsecret") {
			t.Errorf("the banner shows the password: %q", line)
		}
	}
}
