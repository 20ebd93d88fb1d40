package server_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/server"
)

// TestConfigFromEnvRefuses: a bad gateway setting is refused in one line
// naming the variable, the problem and the accepted form, never taken as
// the default (ADR 0186): MP_PUBLIC_URL=motesplats.example.org used to
// be accepted and built links without a scheme, GATEWAY_ADDR=:70000
// failed only at listen with Go's words.
func TestConfigFromEnvRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, value string }{
		{"GATEWAY_ADDR", "127.0.0.1:70000"}, {"GATEWAY_ADDR", "abc"}, {"GATEWAY_ADDR", "8080"},
		{"PARTICIPANTS_ADDR", "participants"}, {"MENTORING_ADDR", "mentoring:abc"}, {"NOTIFY_ADDR", "notify:99999"},
		{"MP_PUBLIC_URL", "motesplats.example.org"}, {"MP_PUBLIC_URL", "ftp://motesplats.example.org"}, {"MP_PUBLIC_URL", "https://"},
		{"MP_SIGNING_KEY", "abc"}, {"MP_SECURE_COOKIES", "yes"}, {"MP_TRUST_PROXY", "on"},
		{"MP_TRUSTED_PROXIES", "-1"}, {"MP_TRUSTED_PROXIES", "abc"}, {"MP_TRUSTED_PROXIES", "11"},
		{"MP_SESSION_TTL", "abc"}, {"MP_SESSION_TTL", "30s"}, {"MP_SESSION_TTL", "8"}, {"MP_SESSION_TTL", "100000h"},
		{"MP_OIDC_ISSUER", "https://login.example.org"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := server.ConfigFromEnv(func(k string) string { return map[string]string{tt.name: tt.value}[k] })
			testutil.MustRefuse(t, err, tt.name)
		})
	}
	c, err := server.ConfigFromEnv(func(k string) string {
		return map[string]string{"MP_PUBLIC_URL": "https://motesplats.example.org/", "MP_SESSION_TTL": "12h", "MP_TRUSTED_PROXIES": "2",
			"GATEWAY_ADDR": "0.0.0.0:18080", "MP_SECURE_COOKIES": "true"}[k]
	})
	if err != nil || c.PublicURL != "https://motesplats.example.org" || c.SessionTTL != 12*time.Hour || c.TrustedProxies != 2 ||
		c.Addr != "0.0.0.0:18080" || !c.SecureCookies {
		t.Errorf("good values: %+v, %v", c, err)
	}
	if c, err := server.ConfigFromEnv(func(string) string { return "" }); err != nil || c.Addr != server.DefaultAddr || c.SessionTTL != 0 {
		t.Errorf("empty: %+v, %v; want the defaults", c, err)
	}
}
