package cli

import (
	"fmt"
	"io"
)

// freeHintKeys are the web app's sentence of each programme saying what
// frees places open proposals hold (ADR 0171 addendum); mp follows it
// with its own free_cmd.<programme>, the commands that list and reject
// that programme's proposals, where the page has its link.
var freeHintKeys = map[string]string{
	"mentoring": "m.unmatched.free_hint",
	"dinners":   "dinners.unseated.free_hint",
	"guides":    "guides.unassigned.free_hint",
}

// printFreeHint writes programme's hint after a left-out list when held
// (an open proposal holds a full place named in it); nothing otherwise,
// as rejecting would free nothing.
func printFreeHint(w io.Writer, e env, programme string, held bool) {
	if !held {
		return
	}
	fmt.Fprintln(w, e.t(freeHintKeys[programme])+" "+e.t("free_cmd."+programme))
}
