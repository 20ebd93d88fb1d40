package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestFlagsInWords: -h lists a command's flags in Swedish and succeeds,
// without signing in; a mistyped flag is said in words, not as the flag
// package's English ("flag provided but not defined", "Usage of",
// "(default ...)").
func TestFlagsInWords(t *testing.T) {
	t.Parallel()
	run := signedOut(t)
	out, err := run("participants", "add", "-h")
	if err != nil {
		t.Fatalf("mp participants add -h: %v", err)
	}
	for _, want := range []string{"-consent-dinners\n", "middag hos en värdfamilj", "-permit-date värde", "(utan flaggan: sfi_a)"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp participants add -h lacks %q:\n%s", want, out)
		}
	}
	for _, english := range []string{"Usage of", "default", "string"} {
		if strings.Contains(out, english) {
			t.Errorf("mp participants add -h prints %q:\n%s", english, out)
		}
	}
	if _, err := run("login", "-emial", "a@example.org"); err == nil || err.Error() != "okänd flagga -emial; se -h" {
		t.Errorf("mistyped flag: %v", err)
	}
	if _, err := run("login", "-email"); err == nil || err.Error() != "flaggan -email behöver ett värde" {
		t.Errorf("flag without value: %v", err)
	}
}

// TestOneIDCommandsHelp: the commands that take one id print how they
// are used for -h, without signing in: they sent "-h" to the service as
// the id and printed "körningen finns inte" (ADR 0143).
func TestOneIDCommandsHelp(t *testing.T) {
	t.Parallel()
	run := signedOut(t)
	for _, cmd := range [][]string{{"jobs", "watch"}, {"jobs", "unmatched"}, {"mailbox", "show"}, {"deadletters", "show"},
		{"deadletters", "replay"}, {"dinners", "unseated"}, {"dinners", "offers", "delete"}, {"guides", "jobs", "watch"}} {
		name := strings.Join(cmd, " ")
		out, err := run(append(cmd, "-h")...)
		if err != nil || !strings.Contains(out, "användning: mp "+name+" ID") {
			t.Errorf("mp %s -h: %v, %q; want its use, no error", name, err, out)
		}
	}
}

// signedOut runs mp commands with a config directory of their own and no
// sign-in in it, returning what each printed.
func signedOut(t *testing.T) func(args ...string) (string, error) {
	dir := t.TempDir()
	return func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(context.Background(), args, Env{Out: &out, Getenv: func(k string) string {
			if k == "MP_CONFIG_DIR" {
				return dir // no config: not signed in
			}
			return ""
		}})
		return out.String(), err
	}
}
