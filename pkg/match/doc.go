// Package match is the matching engine: it pairs newcomers with hosts,
// mentors or guides so that the total score of the pairs is as high as
// possible, proves the result, and explains it.
//
// The problem: newcomer i may be paired with host j when (i, j) is an
// eligible Edge with an integer Score; each newcomer gets at most one host,
// each host at most Capacity seats (counted in party sizes), and leaving a
// newcomer unmatched is allowed. Build turns people and rules (language,
// municipality, distance, diet, dates, gender, capacity; weights from
// configuration) into such an Instance with named score Parts.
//
// Solve picks the algorithm from the instance:
//
//   - Party sizes 1, no quotas: an exact transportation problem. A
//     forward-reverse auction with epsilon scaling finds near-optimal seat
//     prices, then Dijkstra-based primal-dual (Hungarian) searches make the
//     matching optimal. 100k newcomers and 2M edges take about a second,
//     less than LEMON's network simplex (BENCH.md, docs/adr/0002).
//   - Quotas (per-group Min/Max on matched newcomers): an exact min-cost
//     flow through group nodes with lower bounds; groups may nest
//     (Instance.Parent: a tree of group nodes, still exact); unmeetable
//     Mins give an error wrapping ErrInfeasible that names the groups.
//   - Party sizes above 1 (households), or conflict classes (at most one
//     newcomer of a class per host): NP-hard. An LP bound computed
//     exactly, exact slot reassignment per party size, knapsack local
//     search and perturbation give a feasible matching and its proven gap
//     (Solution.Gap).
//
// Every Solution carries dual values (U, V, Gamma). Verify checks the
// matching and the duals without any solver code and returns a Certificate:
// when Bound equals Objective the matching is optimal. Explain tells per
// newcomer which rules made its score, or why it stayed unmatched (no
// eligible host, hosts full with the pairs named, or a quota). SolveWarm
// re-solves after small changes starting from the previous prices.
// ParseMATCH1 and WriteMatching read and write the benchmark text format of
// shared/bench/FORMAT.md; cmd/match1 is the command-line front end.
//
// Results are deterministic: the same instance gives the same matching
// whatever the order of its edges or of the people passed to Build, and
// heuristics count work instead of reading the clock.
package match
