// Command match1 solves a MATCH1 matching instance (shared/bench/FORMAT.md).
//
// Usage:
//
//	match1 [-o MATCHING] INSTANCE
//
// It prints one line, "objective=<int> matched=<int> solve_s=<seconds>",
// plus " bound=<int>" for household instances, whose optimum is not proven.
// The solve time excludes reading and parsing the file. With -o it writes the
// matching file ("s <objective>" then "m <newcomer> <host>" lines). The
// solution is checked with match.Verify before anything is printed, so a
// printed objective is always feasible and, without households, optimal
// (-no-verify skips that check, for timing the solver alone).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/motesplats/motesplats/pkg/match"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "match1:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("match1", flag.ContinueOnError)
	out := fs.String("o", "", "write the matching to this file")
	noVerify := fs.Bool("no-verify", false, "skip the certificate check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: match1 [-o MATCHING] INSTANCE")
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	in, err := match.ParseMATCH1(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// The file text is garbage once parsed; dropping it before the solve
	// lowers the peak heap by the file size.
	data = nil
	debug.FreeOSMemory()

	start := time.Now()
	sol, err := match.Solve(in)
	elapsed := time.Since(start)
	if err != nil {
		return err
	}
	if !*noVerify {
		if _, err := match.Verify(in, sol); err != nil {
			return err
		}
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := match.WriteMatching(f, sol); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	line := fmt.Sprintf("objective=%d matched=%d solve_s=%.3f", sol.Objective, sol.Matched, elapsed.Seconds())
	if !sol.Exact || households(in) {
		line += fmt.Sprintf(" bound=%d", sol.Bound)
	}
	_, err = fmt.Fprintln(stdout, line)
	return err
}

// households reports whether some party is larger than one: those files
// always get a bound printed, even when it happens to meet the objective.
func households(in *match.Instance) bool {
	for _, s := range in.Size {
		if s > 1 {
			return true
		}
	}
	return false
}
