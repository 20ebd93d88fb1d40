package main

import "testing"

// TestConfigGCPercent: the embedded stack collects at GOGC 400 unless
// GOGC says otherwise (docs/adr/0013), and a bad value is refused.
func TestConfigGCPercent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env     string
		want    int
		wantErr bool
	}{
		{env: "", want: defaultGCPercent},
		{env: "100", want: 100},
		{env: "off", want: -1},
		{env: "0", wantErr: true},
		{env: "fast", wantErr: true},
	} {
		c, err := configFromEnv(func(k string) string {
			if k == "GOGC" {
				return tc.env
			}
			return ""
		})
		if (err != nil) != tc.wantErr {
			t.Fatalf("GOGC=%q: err = %v, want error %v", tc.env, err, tc.wantErr)
		}
		if err == nil && c.GCPercent != tc.want {
			t.Errorf("GOGC=%q: GCPercent = %d, want %d", tc.env, c.GCPercent, tc.want)
		}
	}
}
