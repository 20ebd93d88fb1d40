package service

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := auth.EncodePublicKey(k.Public().(ed25519.PublicKey))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{"defaults", map[string]string{"MP_PUBLIC_KEYS": "local=" + pub}, "", func(t *testing.T, c Config) {
			if c.Addr != "127.0.0.1:7001" || c.NATSURL != "nats://127.0.0.1:4222" || c.Replicas != 1 || c.RedisURL != "" {
				t.Fatalf("defaults: %+v", c)
			}
		}},
		{"overrides", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub + ",b=" + pub, "PARTICIPANTS_ADDR": "0.0.0.0:9",
			"MP_REPLICAS": "3", "LOG_LEVEL": "debug", "REDIS_URL": "redis://u:secret@r:6379/0"}, "", func(t *testing.T, c Config) {
			if c.Addr != "0.0.0.0:9" || c.Replicas != 3 || c.LogLevel.String() != "DEBUG" {
				t.Fatalf("overrides: %+v", c)
			}
			if s := c.String(); strings.Contains(s, "secret") {
				t.Fatalf("String() shows a password: %s", s)
			}
		}},
		{"no keys", map[string]string{}, "MP_PUBLIC_KEYS is required", nil},
		{"bad key", map[string]string{"MP_PUBLIC_KEYS": "a=notbase64"}, "key a", nil},
		{"no key id", map[string]string{"MP_PUBLIC_KEYS": pub}, "MP_PUBLIC_KEYS", nil},
		{"bad replicas", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "MP_REPLICAS": "9"}, "MP_REPLICAS", nil},
		{"bad log level", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "LOG_LEVEL": "loud"}, "LOG_LEVEL", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConfigFromEnv("participants", "127.0.0.1:7001", env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err=%v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestMaskURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"redis://user:pw@host:6379/0": "redis://***@host:6379/0",
		"nats://127.0.0.1:4222":       "nats://127.0.0.1:4222",
		"":                            "",
	} {
		if got := maskURL(in); got != want {
			t.Errorf("maskURL(%q)=%q, want %q", in, got, want)
		}
	}
}
