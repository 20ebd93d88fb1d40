package match

import (
	"fmt"
	"strings"
)

// Reason says why a newcomer ended where it did.
type Reason int

// Reasons reported by Explain.
const (
	// Matched: the newcomer has a host; Parts tell where the score came from.
	Matched Reason = iota
	// NoEligibleHost: no rule admitted any host for this newcomer.
	NoEligibleHost
	// HostsFull: every eligible host's seats went to pairs that together
	// score at least as much (see Blocked).
	HostsFull
	// QuotaReached: the newcomer's group reached its Max.
	QuotaReached
)

// String names the reason in plain words.
func (r Reason) String() string {
	switch r {
	case Matched:
		return "matched"
	case NoEligibleHost:
		return "no eligible host"
	case HostsFull:
		return "eligible hosts full with better pairs"
	case QuotaReached:
		return "group quota reached"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Blocker describes one eligible host of an unmatched newcomer and who took
// its seats.
type Blocker struct {
	// Host is the host index.
	Host int32
	// Score is what the unmatched newcomer would have scored there.
	Score int32
	// SeatValue is the host's dual: the score a seat there must beat. For
	// an exact solution Score <= SeatValue·size: taking the seat would not
	// raise the total.
	SeatValue int64
	// Occupants are the newcomers placed there, with their scores.
	Occupants []Occupant
}

// Occupant is a newcomer holding a seat, with its pair's score.
type Occupant struct {
	// Newcomer is the occupant's index.
	Newcomer int32
	// Score is its pair's score.
	Score int32
}

// Explanation tells, for one newcomer, why the matching treats it as it
// does.
type Explanation struct {
	// Newcomer is the newcomer index.
	Newcomer int32
	// Host is its host, or Unmatched.
	Host int32
	// Reason is the kind of explanation.
	Reason Reason
	// Score and Parts give the pair's score and its named components
	// (from Instance.Parts) when matched.
	Score int32
	Parts []Part
	// Blocked lists, for HostsFull, every eligible host and its occupants.
	Blocked []Blocker
	// Quota names the group for QuotaReached.
	Quota string
}

// String renders the explanation in one line for logs and UIs.
func (x Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "newcomer %d: %s", x.Newcomer, x.Reason)
	switch x.Reason {
	case Matched:
		fmt.Fprintf(&b, " to host %d, score %d", x.Host, x.Score)
		for k, p := range x.Parts {
			sep := " ("
			if k > 0 {
				sep = ", "
			}
			fmt.Fprintf(&b, "%s%s %+d", sep, p.Name, p.Points)
		}
		if len(x.Parts) > 0 {
			b.WriteString(")")
		}
	case HostsFull:
		for _, bl := range x.Blocked {
			fmt.Fprintf(&b, "; host %d (would score %d, seat worth %d):", bl.Host, bl.Score, bl.SeatValue)
			for _, o := range bl.Occupants {
				fmt.Fprintf(&b, " %d@%d", o.Newcomer, o.Score)
			}
		}
	case QuotaReached:
		fmt.Fprintf(&b, " %q", x.Quota)
	}
	return b.String()
}

// Explain returns one explanation per newcomer of sol, in newcomer order.
// It needs only the instance and the solution (any solution, not just one
// from Solve) and costs O(edges).
func Explain(in *Instance, sol *Solution) []Explanation {
	n, m := in.Newcomers, len(in.Capacity)
	out := make([]Explanation, n)
	occ := make([][]Occupant, m)
	score := make([]int32, n)
	edgeOf := make([]int32, n)
	for i := range edgeOf {
		edgeOf[i] = -1
	}
	hasEdge := make([]bool, n)
	for k, e := range in.Edges {
		hasEdge[e.Newcomer] = true
		if sol.HostOf[e.Newcomer] == e.Host {
			score[e.Newcomer] = e.Score
			edgeOf[e.Newcomer] = int32(k)
		}
	}
	for i, h := range sol.HostOf {
		if h >= 0 {
			occ[h] = append(occ[h], Occupant{int32(i), score[i]})
		}
	}
	for i := 0; i < n; i++ {
		x := Explanation{Newcomer: int32(i), Host: sol.HostOf[i]}
		switch {
		case x.Host >= 0:
			x.Reason, x.Score = Matched, score[i]
			if in.Parts != nil && edgeOf[i] >= 0 {
				x.Parts = in.Parts[edgeOf[i]]
			}
		case !hasEdge[i]:
			x.Reason = NoEligibleHost
		case capped(in, sol, int32(i)) >= 0:
			x.Reason, x.Quota = QuotaReached, in.Quotas[capped(in, sol, int32(i))].Name
		default:
			x.Reason = HostsFull
		}
		out[i] = x
	}
	for _, e := range in.Edges {
		x := &out[e.Newcomer]
		if x.Reason != HostsFull {
			continue
		}
		var seat int64
		if int(e.Host) < len(sol.V) {
			seat = sol.V[e.Host]
			if sol.DualScale > 1 {
				seat /= sol.DualScale
			}
		}
		x.Blocked = append(x.Blocked, Blocker{Host: e.Host, Score: e.Score, SeatValue: seat, Occupants: occ[e.Host]})
	}
	return out
}

// capped returns the innermost group of newcomer i (its own, or one that
// contains it) whose Max binds (a positive dual), or -1.
func capped(in *Instance, sol *Solution, i int32) int32 {
	if in.Group == nil || len(sol.Gamma) != len(in.Quotas) {
		return -1
	}
	steps := 0
	for g := in.Group[i]; g >= 0 && int(g) < len(in.Quotas) && steps <= len(in.Quotas); g = in.parentOf(g) {
		if sol.Gamma[g] > 0 {
			return g
		}
		steps++
	}
	return -1
}
