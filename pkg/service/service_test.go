package service

import (
	"crypto/ed25519"
	"errors"
	"maps"
	"net"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/testutil"
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
		{"bound keys", map[string]string{"MP_PUBLIC_KEYS": "local=" + pub + ":users+service/gateway,notify=" + pub + ":service/notify"}, "", func(t *testing.T, c Config) {
			keys, err := ParsePublicKeys(c.PublicKeys)
			if err != nil || !keys["local"].Grants.Users || keys["notify"].Grants.Users || UnboundKeys(keys) != nil {
				t.Fatalf("bound keys: %v %v", keys, err)
			}
		}},
		{"bad binding", map[string]string{"MP_PUBLIC_KEYS": "local=" + pub + ":admin"}, "MP_PUBLIC_KEYS", nil},
		{"empty binding", map[string]string{"MP_PUBLIC_KEYS": "local=" + pub + ":"}, "MP_PUBLIC_KEYS", nil},
		{"key id twice", map[string]string{"MP_PUBLIC_KEYS": "local=" + pub + ":users,local=" + pub + ":service/notify"}, "MP_PUBLIC_KEYS", nil},
		{"no keys", map[string]string{}, "MP_PUBLIC_KEYS", nil},
		{"bad key", map[string]string{"MP_PUBLIC_KEYS": "a=notbase64"}, "MP_PUBLIC_KEYS", nil},
		{"no key id", map[string]string{"MP_PUBLIC_KEYS": pub}, "MP_PUBLIC_KEYS", nil},
		{"key buckets default", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub}, "", func(t *testing.T, c Config) {
			if c.KeyBuckets != KeyBucketsOwn {
				t.Fatalf("MP_KEY_BUCKETS default: %q", c.KeyBuckets)
			}
		}},
		{"key buckets shared", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "MP_KEY_BUCKETS": "Shared"}, "", func(t *testing.T, c Config) {
			if c.KeyBuckets != KeyBucketsShared {
				t.Fatalf("MP_KEY_BUCKETS=Shared: %q", c.KeyBuckets)
			}
		}},
		{"bad key buckets", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "MP_KEY_BUCKETS": "mine"}, "MP_KEY_BUCKETS", nil},
		{"bad replicas", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "MP_REPLICAS": "9"}, "MP_REPLICAS", nil},
		{"bad log level", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "LOG_LEVEL": "loud"}, "LOG_LEVEL", nil},
		{"replicas abc", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "MP_REPLICAS": "abc"}, "MP_REPLICAS", nil},
		{"replicas 0", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "MP_REPLICAS": "0"}, "MP_REPLICAS", nil},
		{"port 70000", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "PARTICIPANTS_ADDR": "127.0.0.1:70000"}, "PARTICIPANTS_ADDR", nil},
		{"port abc", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "PARTICIPANTS_ADDR": "abc"}, "PARTICIPANTS_ADDR", nil},
		{"metrics port", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "METRICS_ADDR": "0.0.0.0:99999"}, "METRICS_ADDR", nil},
		{"nats not a URL", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "NATS_URL": "localhost"}, "NATS_URL", nil},
		{"redis not a URL", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "REDIS_URL": "localhost:6379"}, "REDIS_URL", nil},
		{"otlp port", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:abc"}, "OTEL_EXPORTER_OTLP_ENDPOINT", nil},
		{"otlp scheme", map[string]string{"MP_PUBLIC_KEYS": "a=" + pub, "OTEL_EXPORTER_OTLP_ENDPOINT": "grpc://collector:4317"}, "OTEL_EXPORTER_OTLP_ENDPOINT", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConfigFromEnv("participants", "127.0.0.1:7001", env(tt.env))
			if tt.wantErr != "" {
				testutil.MustRefuse(t, err, tt.wantErr)
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

// TestConfigureRefusesATakenPort: a gRPC or metrics port another program
// holds stops the service at start, naming the variable that moves it,
// before NATS is joined (it used to fail after the streams were replayed,
// in Go's words: "listen tcp ...: bind: address already in use").
func TestConfigureRefusesATakenPort(t *testing.T) {
	t.Parallel()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	base := map[string]string{"MP_PUBLIC_KEYS": "a=" + auth.EncodePublicKey(k.Public().(ed25519.PublicKey)),
		"MP_DATA_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "METRICS_ADDR": "off"}
	// The gateway's HTTP port is its GATEWAY_ADDR, read the same way.
	for _, tt := range []struct{ service, name string }{
		{"dinners", "DINNERS_ADDR"}, {"dinners", "METRICS_ADDR"}, {"gateway", "GATEWAY_ADDR"}, {"gateway", "METRICS_ADDR"},
	} {
		env := maps.Clone(base)
		env[strings.ToUpper(tt.service)+"_ADDR"] = "127.0.0.1:0"
		env[tt.name] = held.Addr().String()
		_, err := Configure(tt.service, "127.0.0.1:8080", func(k string) string { return env[k] }, nil)
		if line := testutil.MustRefuse(t, err, tt.name); !strings.Contains(line, "already in use") {
			t.Errorf("%s: %s taken: %q", tt.service, tt.name, line)
		}
	}
	_, err = Configure("dinners", "127.0.0.1:0", func(k string) string { return base[k] }, nil)
	if err != nil {
		t.Fatalf("free ports: %v", err)
	}
	// The service's own refusals and the data key's come in the same error.
	env := maps.Clone(base)
	env["MP_DATA_KEY"] = "short"
	_, err = Configure("dinners", "127.0.0.1:0", func(k string) string { return env[k] }, errors.New("DINNERS_RESULT_TTL=\"x\": not a duration; want 720h"))
	testutil.MustRefuse(t, err, "MP_DATA_KEY")
	testutil.MustRefuse(t, err, "DINNERS_RESULT_TTL")
	if lines := Refusals(err); len(lines) != 2 {
		t.Errorf("Refusals = %q, want two lines", lines)
	}
}
