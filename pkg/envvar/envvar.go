// Package envvar reads configuration from environment variables and
// refuses a bad value instead of turning it into a default (ADR 0186).
// An operator who writes DINNERS_RESULT_TTL=30d or GATEWAY_ADDR=:70000
// learns at start, in one line, which variable is wrong, what is wrong
// with it and what would be accepted; an empty variable still means the
// default. Every binary's parser reads through an Env so the words of a
// refusal are the same everywhere and no Go error text (strconv.ParseInt:
// parsing "abc") reaches an operator's log.
package envvar

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error is one refused value. Its text names the variable, shows the
// value (unless it is secret), says what is wrong with it in words and
// what form is accepted.
type Error struct {
	// Var is the variable's name, such as GATEWAY_ADDR.
	Var string
	// Value is what it held; left out of Error() when Secret.
	Value string
	// Secret values (keys, URLs with passwords) are never echoed.
	Secret bool
	// Problem says what is wrong, in words ("port 70000 is above 65535").
	Problem string
	// Want is the accepted form ("host:port, such as 127.0.0.1:7001").
	Want string
}

// Error is the one line an operator reads: VAR="value": problem; want form.
func (e *Error) Error() string {
	v := ""
	if !e.Secret {
		v = "=" + strconv.Quote(e.Value)
	}
	return fmt.Sprintf("%s%s: %s; want %s", e.Var, v, e.Problem, e.Want)
}

// Env reads variables through getenv and collects every refusal, so one
// start names every bad variable, not only the first.
type Env struct {
	getenv func(string) string
	errs   []error
}

// New reads through getenv (os.Getenv in main; a map in tests).
func New(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// Getenv is the raw value, for settings any string fits (a directory, a
// name).
func (e *Env) Getenv(name string) string { return e.getenv(name) }

// get is the value without surrounding blanks, for the typed readers:
// "8080 " from a hand-edited .env file is still a port.
func (e *Env) get(name string) string { return strings.TrimSpace(e.getenv(name)) }

// Refuse records a refusal found by the caller's own check.
func (e *Env) Refuse(name, value, problem, want string) {
	e.errs = append(e.errs, &Error{Var: name, Value: value, Problem: problem, Want: want})
}

// RefuseSecret is Refuse for a value that must not be echoed.
func (e *Env) RefuseSecret(name, problem, want string) {
	e.errs = append(e.errs, &Error{Var: name, Secret: true, Problem: problem, Want: want})
}

// Err is every refusal so far, joined one per line, or nil.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// Addr is a listen or dial address host:port (host may be empty for
// every interface), or def when the variable is empty. off, when not
// empty, is one more accepted word (METRICS_ADDR's "off").
func (e *Env) Addr(name, def, off string) string {
	s := e.get(name)
	if s == "" {
		return def
	}
	if off != "" && s == off {
		return s
	}
	want := "host:port with a port number up to 65535, such as " + or(def, "127.0.0.1:7001")
	if off != "" {
		want += `, or "` + off + `"`
	}
	if problem := addrProblem(s); problem != "" {
		e.Refuse(name, s, problem, want)
		return def
	}
	return s
}

// Target is a gRPC dial target: a host:port, "dns:///host:port" (every
// address a name resolves to, as a headless Kubernetes service), or
// "static:///host:port,host:port" (a fixed list of replicas, as make up
// writes it; pkg/grpcx resolves both), or def when the variable is empty.
// A service's own listen address is an Addr: only callers (the gateway,
// notify) dial a target.
func (e *Env) Target(name, def string) string {
	s := e.get(name)
	if s == "" {
		return def
	}
	if problem := targetProblem(s); problem != "" {
		e.Refuse(name, s, problem, "host:port, dns:///host:port or static:///host:port,host:port, such as "+or(def, "127.0.0.1:7001"))
		return def
	}
	return s
}

// targetProblem says what is wrong with a dial target, or "".
func targetProblem(s string) string {
	scheme, rest, ok := strings.Cut(s, ":///")
	if !ok {
		return addrProblem(s)
	}
	var addrs []string
	switch scheme {
	case "dns":
		addrs = []string{rest}
	case "static":
		addrs = strings.Split(rest, ",")
	default:
		return fmt.Sprintf("scheme %q is not dns or static", scheme)
	}
	for _, a := range addrs {
		if problem := addrProblem(strings.TrimSpace(a)); problem != "" {
			return fmt.Sprintf("%q: %s", a, problem)
		}
	}
	return ""
}

// addrProblem says what is wrong with a host:port, or "".
func addrProblem(s string) string {
	_, p, err := net.SplitHostPort(s)
	if err != nil {
		return "not host:port"
	}
	n, err := strconv.Atoi(p)
	switch {
	case err != nil:
		return fmt.Sprintf("port %q is not a number", p)
	case n < 0 || n > 65535:
		return fmt.Sprintf("port %d is outside 0 to 65535", n)
	}
	return ""
}

// Int is a whole number from min to max, or def when empty.
func (e *Env) Int(name string, def, min, max int) int {
	s := e.get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	want := fmt.Sprintf("a whole number from %d to %d", min, max)
	switch {
	case err != nil:
		e.Refuse(name, s, "not a whole number", want)
		return def
	case n < min || n > max:
		e.Refuse(name, s, "out of range", want)
		return def
	}
	return n
}

// Duration is a Go duration from min to max (such as "720h" or "90m"),
// or def when empty. A bare number or a unit Go does not know ("30d")
// is refused, not read as nanoseconds or zero.
func (e *Env) Duration(name string, def, min, max time.Duration, example string) time.Duration {
	s := e.get(name)
	if s == "" {
		return def
	}
	want := fmt.Sprintf("a duration from %s to %s in h, m or s, such as %s", short(min), short(max), example)
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		e.Refuse(name, s, "not a duration", want)
		return def
	case d < min:
		e.Refuse(name, s, "too short", want)
		return def
	case d > max:
		e.Refuse(name, s, "too long", want)
		return def
	}
	return d
}

// short prints a bound without Go's trailing zero units (720h, not
// 720h0m0s).
func short(d time.Duration) string {
	s := d.String()
	for _, z := range []string{"0s", "0m"} {
		if strings.HasSuffix(s, z) && len(s) > 2 {
			s = strings.TrimSuffix(s, z)
		}
	}
	return s
}

// Bool is true or false (also 1/0, t/f as strconv.ParseBool), false
// when empty.
func (e *Env) Bool(name string) bool {
	s := e.get(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		e.Refuse(name, s, "not true or false", "true or false")
		return false
	}
	return b
}

// URL is an absolute URL with one of schemes and a host, or def when
// empty. secret hides the value (it may hold a password).
func (e *Env) URL(name, def string, secret bool, schemes ...string) string {
	s := e.get(name)
	if s == "" {
		return def
	}
	if problem := urlProblem(s, schemes); problem != "" {
		want := "an absolute URL starting " + orList(schemes) + ", such as " + schemes[0] + "://host.example.org"
		if secret {
			e.RefuseSecret(name, problem, want)
		} else {
			e.Refuse(name, s, problem, want)
		}
		return def
	}
	return s
}

// urlProblem says what is wrong with an absolute URL, or "".
func urlProblem(s string, schemes []string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme == "":
		return "no scheme (such as " + schemes[0] + "://)"
	case !slices.Contains(schemes, strings.ToLower(u.Scheme)):
		return "scheme " + u.Scheme + " is not accepted"
	case u.Host == "":
		return "no host"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "port " + p + " is outside 1 to 65535"
		}
	}
	return ""
}

// OneOf is one of words (compared without case), or def when empty.
func (e *Env) OneOf(name, def string, words ...string) string {
	s := e.get(name)
	if s == "" {
		return def
	}
	for _, w := range words {
		if strings.EqualFold(s, w) {
			return w
		}
	}
	e.Refuse(name, s, "not a known value", "one of "+strings.Join(words, ", "))
	return def
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// orList is "https:// or http://" for the schemes of a URL.
func orList(schemes []string) string {
	s := make([]string, len(schemes))
	for i, sc := range schemes {
		s[i] = sc + "://"
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
