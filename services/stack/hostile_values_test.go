package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// hostileText is text no form of ours sends, put in every string field:
// control characters (a NUL, a terminal escape) and a right-to-left
// override that makes "Amina" read backwards on any page that shows it.
// A service refuses it or ignores it; an answer that holds it back
// stored it (storedHostile).
var hostileText = map[string]string{
	"control characters": "Amina\x00\x1b[2J",
	"a bidi override":    "Amina\u202eanimA\u202c",
}

// hostileDates are dates that are no day (30 February, month 13, no
// padding), or days no dinner, permit or report lies on (year 1 and
// 9999), put in every field that holds a date or a time.
var hostileDates = []string{"2026-02-30", "2026-13-01", "2026-1-1", "0001-01-01", "9999-12-31", "25:61"}

// storedHostile are the bytes of hostileText and hostileDates that
// must not come back in an answer, nor sit in a planted record after the
// sweep: finding one means a service stored what it should have refused.
var storedHostile = []string{"\x1b[2J", "\u202e", "9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01"}

// dateField reports whether a string field by this name holds a date,
// a month or a time of day.
func dateField(name string) bool {
	return name == "date" || name == "dates" || name == "today" || name == "month" || strings.HasSuffix(name, "_date") ||
		strings.HasSuffix(name, "_month") || strings.HasSuffix(name, "_until") || name == "start_time"
}

// isInt reports whether k is an integer kind.
func isInt(k protoreflect.Kind) bool {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Sint32Kind, protoreflect.Sint64Kind,
		protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind,
		protoreflect.Sfixed32Kind, protoreflect.Sfixed64Kind:
		return true
	}
	return false
}

// destructive are the RPC name prefixes whose valid request removes or
// ends a record: their hostile requests name records of nothing, so one
// taken by mistake cannot take a planted record from the RPCs after it.
var destructive = []string{"Delete", "Erase", "Cancel", "End", "Reject", "Decline"}

// plantedRequest is m's request with every id field at the planted record
// of its kind in m's part (idNames, idPaths, jobKinds), shaped (shapes)
// so that it reaches the record: hostile values in it are judged where
// the service reads them with a record at hand, not refused earlier for
// naming nothing. Destructive RPCs and id fields of no planted kind keep
// an id of nothing.
func plantedRequest(m serviceMethod, p sweepPlant, nothing, rid string) *dynamicpb.Message {
	req := sweepRequest(m, "seating", nothing, rid) // ListDeliveries: a proposal
	for _, d := range destructive {
		if strings.HasPrefix(string(m.md.Name()), d) {
			return req
		}
	}
	short := strings.TrimSuffix(strings.TrimPrefix(string(m.md.Parent().FullName().Parent()), "motesplats."), ".v1")
	idFields(m.md.Input(), "", 0, func(path, name string) {
		kind := idPaths[short+"."+string(m.md.Input().Name())+"."+path]
		switch {
		case name == "job_id":
			kind = jobKinds[m.part]
		case idNames[name] != nil:
			kind = idNames[name][0]
			for _, k := range idNames[name] {
				if programmeKinds[k] && programmeParts[m.part] && (k != "assignment" || m.part == "guides") &&
					(k != "seating" || m.part != "guides") && (k != "newcomer" || m.part == "guides") {
					kind = k
					break
				}
			}
		}
		id := p.ids[kind]
		if id == "" {
			return
		}
		names := strings.Split(path, ".")
		var msg protoreflect.Message = req
		for _, n := range names[:len(names)-1] {
			msg = msg.Mutable(msg.Descriptor().Fields().ByName(protoreflect.Name(n))).Message()
		}
		fd := msg.Descriptor().Fields().ByName(protoreflect.Name(names[len(names)-1]))
		switch {
		case fd.IsList():
			l := msg.Mutable(fd).List()
			l.Truncate(0)
			l.Append(protoreflect.ValueOfString(id))
		case msg.Has(fd):
			msg.Set(fd, protoreflect.ValueOfString(id))
		}
	})
	return req
}

// plantedRecords reads every planted record through its witness (ADR
// 0189) as an administrator, by kind, the bytes as they came.
func plantedRecords(t *testing.T, ctx context.Context, s *sweeper, p sweepPlant, admin string) map[string][]byte {
	t.Helper()
	byPath := map[string]serviceMethod{}
	for _, m := range serviceMethods(t) {
		byPath[m.path()] = m
	}
	out := map[string][]byte{}
	for _, w := range witnesses {
		m := byPath[w.path]
		a := s.call(ctx, m, admin, sweepRequest(m, w.via, p.ids[w.via], "hostile-read"))
		if a.code != codes.OK {
			t.Fatalf("%s of the planted %s: %v", w.path, w.via, a)
		}
		out[w.kind+" via "+w.path] = a.body
	}
	return out
}

// timings are the durations of the sweep's calls per RPC, with a planted
// id and with an id of nothing. They are logged, never asserted (a
// shared machine's timings are not a test's to judge): the ADR reads
// them for an oracle of time, the same order of magnitude or not.
type timings map[string]*[2][]time.Duration

func (t timings) add(path string, planted bool, d time.Duration) {
	if t[path] == nil {
		t[path] = &[2][]time.Duration{}
	}
	k := 0
	if planted {
		k = 1
	}
	t[path][k] = append(t[path][k], d)
}

// worst names the n RPCs whose median with a planted id is the largest
// multiple of their median with an id of nothing.
func (t timings) worst(n int) string {
	median := func(ds []time.Duration) time.Duration {
		s := slices.Sorted(slices.Values(ds))
		return s[len(s)/2]
	}
	type row struct {
		path             string
		ratio            float64
		planted, nothing time.Duration
	}
	var rows []row
	for p, d := range t {
		if len(d[0]) == 0 || len(d[1]) == 0 {
			continue
		}
		pm, nm := median(d[1]), median(d[0])
		rows = append(rows, row{p, float64(pm) / float64(max(nm, time.Microsecond)), pm, nm})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(b.ratio, a.ratio) })
	var b strings.Builder
	for _, r := range rows[:min(n, len(rows))] {
		fmt.Fprintf(&b, "%s %.1fx (%v against %v); ", r.path, r.ratio, r.planted.Round(10*time.Microsecond), r.nothing.Round(10*time.Microsecond))
	}
	return b.String()
}
