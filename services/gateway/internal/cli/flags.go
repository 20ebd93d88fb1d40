package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// parse parses a command's flags in mp's language. Go's flag package
// writes its own English ("flag provided but not defined: -x", "Usage of
// participants add:", "(default ...)") to the output; mp keeps that quiet
// and says the same in words, with the flags' own help. -h prints the
// flags and returns flag.ErrHelp, which Run takes as success.
func (e Env) parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil {
		return nil
	}
	e.printFlags(fs)
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errors.New(e.flagError(err.Error()))
}

// parseFlagsOnly parses a command that takes flags and no arguments, and
// refuses any word left after them in mp's words: a value given without
// its flag ("mp users list Anna") would otherwise be ignored without a
// word.
func (e Env) parseFlagsOnly(fs *flag.FlagSet, args []string) error {
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(e.f("err.extra_args", strings.Join(fs.Args(), " ")))
	}
	return nil
}

// printFlags lists fs's flags, each with its help and its default.
func (e Env) printFlags(fs *flag.FlagSet) {
	fmt.Fprintln(e.Out, e.f("usage.flags", fs.Name()))
	fs.VisitAll(func(f *flag.Flag) {
		line := "  -" + f.Name
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool {
			line += " " + e.t("usage.value")
		}
		line += "\n    \t" + f.Usage
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			line += " " + e.f("usage.default", f.DefValue)
		}
		fmt.Fprintln(e.Out, line)
	})
}

// flagErrors are the flag package's messages, by the part that names the
// flag and the value.
var flagErrors = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^flag provided but not defined: (-\S+)$`), "err.flag_unknown"},
	{regexp.MustCompile(`^flag needs an argument: (-\S+)$`), "err.flag_argument"},
	{regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for flag (-\S+): `), "err.flag_value"},
	{regexp.MustCompile(`^bad flag syntax: (\S+)$`), "err.flag_unknown"},
}

// flagError is a flag package error in mp's language; an unknown one is
// kept as it is.
func (e Env) flagError(msg string) string {
	for _, fe := range flagErrors {
		if m := fe.re.FindStringSubmatchIndex(msg); m != nil {
			args := make([]any, len(m)/2-1)
			for i := range args {
				args[i] = msg[m[2*i+2]:m[2*i+3]]
			}
			out := e.f(fe.key, args...)
			// A flag's own refusal after the flag package's words says
			// why (a municipality no name matches); the package's
			// "parse error" says nothing the words do not.
			if why := msg[m[1]:]; strings.HasPrefix(why, noMunicipality) {
				out += ": " + e.serviceText(why)
			}
			return out
		}
	}
	return msg
}

// oneArg reads the single id argument of "mp cmd". It parses flags as
// every command does, so -h prints how the command is used and succeeds,
// and "-x" is refused as a flag: neither is sent to the service as an id,
// whose answer ("körningen finns inte") sent the reader after the wrong
// mistake.
func (e Env) oneArg(cmd string, args []string) (string, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(e.Out, e.f("usage.one_id", cmd))
		}
		return "", err
	}
	if fs.NArg() != 1 {
		return "", errors.New(e.f("usage.one_id", cmd))
	}
	return fs.Arg(0), nil
}

// confirmation is how a step that cannot be undone is asked for: the
// help of its -yes flag, the question (given the id) and the refusal when
// the answer is not yes, by catalog key. ask false: nothing is asked.
type confirmation struct {
	yesFlag, question, notDone string
	ask                        bool
}

// confirmedArg reads the single id of "mp cmd [-yes] ID" for a step that
// cannot be undone: unless -yes is given it asks c's question and goes on
// only on "yes" or the language's word for it; any other answer is c's
// refusal and nothing is sent. One reading for erasing a person or a user
// and discarding a dead letter, so each asks the same way.
func (e Env) confirmedArg(cmd string, args []string, c confirmation) (string, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	yes := fs.Bool("yes", false, e.t(c.yesFlag))
	if err := e.parse(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", errors.New(e.f("usage.one_id", cmd))
	}
	id := fs.Arg(0)
	if c.ask && !*yes {
		line, err := e.ask(e.f(c.question, id))
		if err != nil {
			return "", err
		}
		if a := strings.TrimSpace(line); a != "yes" && a != e.t("confirm.yes") {
			return "", errors.New(e.t(c.notDone))
		}
	}
	return id, nil
}

// flagSet reports whether the command line gave the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
