// Package proposal is the kit every matching programme (mentoring, dinners,
// guides) runs its proposals on: a job proposes, a coordinator approves
// (or rejects, or replaces the candidate), the proposal is offered to its
// parties, all accept before the offer expires, and only then does it take
// capacity for good. Declines, rejections, expiry, people leaving and
// erasure end it.
//
// Three layers, each usable alone:
//
//   - State (proposal.go): the pure transitions, which never read the
//     clock and return FailedPrecondition (apperr) when not allowed.
//   - Slots (slots.go): capacity in units per resource key (a mentor's
//     slots, a host's seats, a guide organisation's places per
//     municipality and language), compare-and-set in a KV bucket, so
//     concurrent accepts on any number of replicas never oversell.
//   - Lifecycle (lifecycle.go, accept.go, sweep.go): the orchestration over
//     a programme's own record type R kept in a pkg/store repository:
//     Transition (read-modify-write with the transition check, scope
//     check and the change's event in the same compare-and-set), Propose
//     (create-once, deterministic ids from ID), Approve, Reject, Accept
//     (intent, reservation, transition, release on failure, retry on a
//     race), Decline, End, Leave (withdraw, end early or erase when a
//     person leaves, the other party's capacity released), ExpireOffers,
//     and Recover, which finds a reservation a crash left between its
//     two steps and completes or releases it within seconds.
//
// # Writing a programme
//
// A programme supplies a Programme[R]: the whole list is its record type
// and Name, Repo, IDOf, Slots, Parties, PartyIndex, State, SetState,
// Visible, MayChange, Claims, Capacity, OfferTTL, CanOffer (optional),
// Stamp, Event and NotFound; Now, IDs, Grace, Logger and Hooks have
// defaults. It calls NewLifecycle, runs Lifecycle.Run on every replica,
// hooks Lifecycle.Leave to its pool's leavers and calls the rest from its
// RPCs. The Example builds a whole programme (dinner seating, with party
// sizes as units); services/mentoring/internal/pairs/programme.go is the
// mentoring one. docs/adr/0035 gives the reasons.
//
// On the wire, programmes use motesplats.proposal.v1's ProposalStatus and
// reasons (Status.Proto, StatusOf; Change.Reason is the reason's number);
// docs/adr/0036.
package proposal
