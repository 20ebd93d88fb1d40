package gatewayurl

import "testing"

// TestFromEnv: the gateway is found where the environment that starts it
// puts it, so `mp login` and the seed's banner follow GATEWAY_ADDR.
func TestFromEnv(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "http://127.0.0.1:8080"},
		{map[string]string{"GATEWAY_ADDR": "127.0.0.1:18080"}, "http://127.0.0.1:18080"},
		{map[string]string{"GATEWAY_ADDR": ":18080"}, "http://127.0.0.1:18080"},
		{map[string]string{"GATEWAY_ADDR": "0.0.0.0:18080"}, "http://127.0.0.1:18080"},
		{map[string]string{"GATEWAY_ADDR": "[::]:18080"}, "http://127.0.0.1:18080"},
		{map[string]string{"GATEWAY_ADDR": "10.0.0.5:8080"}, "http://10.0.0.5:8080"},
		{map[string]string{"GATEWAY_ADDR": ":18080", "MP_PUBLIC_URL": "https://motesplats.example.org/"}, "https://motesplats.example.org"},
	} {
		if got := FromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("FromEnv(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}
