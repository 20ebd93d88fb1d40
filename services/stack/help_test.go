package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runMainEnv makes this test binary run the command's main instead of
// its tests (TestMain), so a test sees main's exit status and output as
// an operator's shell does, with no second build.
const runMainEnv = "MP_STACK_TEST_RUN_MAIN"

// TestMain runs main when runMainEnv is set (the tools' own command line
// after it, separated by "--"), else the tests.
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) != "" {
		args := os.Args
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Args = append([]string{"stack"}, args...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs `stack args...` in dir and returns its output and exit
// status.
func runMain(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "MP_DATA_DIR="+dir+"/data")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestHelpIsNotAnError: `stack token -h` (and every tool's -h) printed
// its flags, then `ERROR stack err="flag: help requested"` and exited 1,
// as if asking for help had failed; `keygen -h` answered only "want no
// argument, notify or operator" (found from outside, ADR 0223). -h
// prints what the tool takes and exits 0, as Go's own flag handling
// does; a real mistake still fails.
func TestHelpIsNotAnError(t *testing.T) {
	dir := t.TempDir()
	for _, tool := range []string{"token", "seed", "rewrap", "ensure", "latency", "load", "echo", "keygen"} {
		for _, h := range []string{"-h", "-help", "--help"} {
			out, errOut, code := runMain(t, dir, tool, h)
			if code != 0 {
				t.Errorf("stack %s %s: exit %d, want 0", tool, h, code)
			}
			if strings.Contains(errOut, "ERROR") || strings.Contains(errOut, "help requested") {
				t.Errorf("stack %s %s: help reported as an error:\n%s", tool, h, errOut)
			}
			if !strings.Contains(out+errOut, "Usage of "+tool) && !strings.Contains(out+errOut, "usage: stack "+tool) {
				t.Errorf("stack %s %s: no usage printed:\n%s%s", tool, h, out, errOut)
			}
		}
	}
	// A mistake is still one: an unknown flag, keygen's unknown argument.
	for _, args := range [][]string{{"token", "-nosuchflag"}, {"keygen", "nosuch"}, {"nosuchcommand"}} {
		if _, errOut, code := runMain(t, dir, args...); code == 0 || errOut == "" {
			t.Errorf("stack %v: exit %d, stderr %q; want a failure that says why", args, code, errOut)
		}
	}
}
