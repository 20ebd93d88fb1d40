package store

import "unique"

// Canonical returns the one copy of s that every caller of Canonical
// gets (package unique): records kept in memory for the life of the
// process (an index, a pool) hold codes many of them share, and with
// Canonical they hold one copy of each instead of one per record, less
// for the collector to walk in every cycle (ADR 0204). A value no one
// holds yet is copied once; the copy goes when nothing holds it any
// more, so a value that only an erased person had does not stay. Do not
// use it for values of one record alone (ids, names): a canonical copy
// of those only adds an entry.
func Canonical(s string) string {
	if s == "" {
		return s
	}
	return unique.Make(s).Value()
}

// CanonicalAll replaces every string of ss by its Canonical copy, in
// place.
func CanonicalAll(ss []string) {
	for i, s := range ss {
		ss[i] = Canonical(s)
	}
}
