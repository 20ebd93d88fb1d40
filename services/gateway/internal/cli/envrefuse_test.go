package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestBadEnvironmentRefused: an MP_LANG mp does not speak, or an
// MP_PUBLIC_URL that is no web address, stops mp with one line naming
// the variable, the problem and what is accepted, in Swedish (the
// language mp falls back to) or in English when MP_LANG=en asks; an
// unknown MP_LANG used to be Swedish without a word, a bad MP_PUBLIC_URL
// a Go error from the HTTP client (ADR 0186).
func TestBadEnvironmentRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"MP_LANG": "de"}, []string{"whoami"}, `MP_LANG="de": okänt språk; ange sv`},
		{map[string]string{"MP_LANG": "english"}, []string{"help"}, `MP_LANG="english": okänt språk`},
		{map[string]string{"MP_PUBLIC_URL": "motesplats.example.org"}, []string{"login", "-email", "a@example.org"},
			`MP_PUBLIC_URL="motesplats.example.org": inte en webbadress; ange en adress som börjar med https://`},
		{map[string]string{"MP_PUBLIC_URL": "ftp://x", "MP_LANG": "en"}, []string{"login", "-email", "a@example.org"},
			`MP_PUBLIC_URL="ftp://x": not a web address; want an address starting https://`},
	} {
		env := tt.env
		env["MP_CONFIG_DIR"], env["MP_PASSWORD"] = t.TempDir(), "secret"
		e := Env{Out: &bytes.Buffer{}, Getenv: func(k string) string { return env[k] }}
		err := Run(context.Background(), tt.args, e)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v %v: %v, want one line starting %q", tt.env, tt.args, err, tt.want)
		}
	}
	// The languages mp speaks, in any case, are accepted.
	for _, l := range []string{"sv", "EN", " en "} {
		e := Env{Out: &bytes.Buffer{}, Getenv: func(k string) string { return map[string]string{"MP_LANG": l}[k] }}
		if err := Run(context.Background(), []string{"help"}, e); err != nil {
			t.Errorf("MP_LANG=%q: %v", l, err)
		}
	}
}
