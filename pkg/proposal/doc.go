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
//   - Lifecycle (lifecycle.go, accept.go, sweep.go, resize.go): the
//     orchestration over a programme's own record type R kept in a
//     pkg/store repository: Transition (read-modify-write with the
//     transition check, scope check and the change's event in the same
//     compare-and-set; a transition out of Active gives the units back),
//     Propose (create-once, deterministic ids from ID), Approve, Reject,
//     Accept (intent, reservation, transition, release on failure, retry on
//     a race; it commits only if the record still claims what it
//     reserved), Decline, End, Close (the programme's own withdraw-or-end
//     of one proposal), Resize (change what a proposal claims: a party's
//     size; an active one grows into free units first, all or none),
//     Leave (withdraw, end early or erase when a person leaves, the other
//     party's capacity released), ExpireOffers, and Recover, which finds a
//     reservation or resize a crash left between its steps and completes
//     or releases it within seconds (Hooks.AfterReserve and AfterGrow are
//     where the crash tests kill the process).
//
// # A retried step stands
//
// A client whose answer was lost (the replica that wrote its step died
// before answering) sends the same call again. The rule (docs/adr/0272,
// 0273): the call is the same step when the record already holds what it
// would write; then it stands, and the kit answers OK with the record as
// it is, writes nothing and publishes nothing, so a step walked twice
// makes as many events as one walked once. Refusing it told the client
// its step failed when it was made; writing it again published a second
// event. Approve on an offered proposal, Accept by a party whose
// acceptance is stored (open offer not lapsed, or active), and Reject,
// Decline and End on one already there for the same reason and party
// (Programme.Holds, since the reasons are the programme's fields) stand;
// a programme's own TransitionFunc says so with Step{Kind: KindStands}.
// It is decided inside the compare-and-set's own read, not after a
// refusal by reading again: that read costs one more round trip per
// retry and may see another writer's later state. What is not the same
// step (an end for another reason, an acceptance after a decline, any
// step after the end) is refused as before. stands.go has the details.
//
// # Writing a programme
//
// A programme supplies a Programme[R]: the whole list is its record type
// and Name, Repo, IDOf, Slots, Parties, PartyIndex, State, SetState,
// Visible, MayChange, Claims, Capacity, OfferTTL, CanOffer (optional),
// Stamp, Holds (optional), Event and NotFound; Now, IDs, Grace, Logger and Hooks have
// defaults. State and SetState are a status conversion plus Stamps (where
// the record keeps each party's acceptance and the offer's expiry; StateOf
// and State.Stamp do the rest). It calls NewLifecycle, runs Lifecycle.Run on every replica,
// hooks Lifecycle.Leave to its pool's leavers and calls the rest from its
// RPCs. The Example builds a whole programme (dinner seating, with party
// sizes as units); services/mentoring/internal/pairs/programme.go is the
// mentoring one, services/dinners/internal/dinners/programme.go the one
// with units and resizes. docs/adr/0035 gives the reasons.
//
// The rest of a programme is in the kit too; beside its Programme[R] it
// supplies only:
//
//   - its rules file: a rule type and a Parse of field functions over
//     pkg/rulefile's Loader (LoadDir, Set, LoadError are the kit's; ADR 0037);
//   - its pool: for each side a pkg/pool Spec (bucket, record type, id
//     field, indexes) and a build function from the event's facts to its
//     record, or "not in the pool" (the kit decodes events, stamps, keeps
//     tombstones and calls the leaver);
//   - its jobs: pkg/jobs Steps (Snapshot, Build), Tally, Redact, Schedules
//     and the job message (jobs.API's ToProto serves StartJob, GetJob,
//     ListJobs, WatchJob; Manager.ResultAs and page.Items page a result);
//   - its wiring: its server.Run is service.RunKit with a KitConfig (its
//     stream, counters bucket and job data store) and a build function
//     that opens its own stores (service.OpenStore) and pool on the Kit
//     and returns a service.Served: Register, its part of jobs.Config
//     (OnFinish, Tally, Redact, Schedules, RulesVersion), Steps, SetJobs,
//     Sweep (Lifecycle.Run) and Consumers (service.PeopleConsumers). Its
//     server.Options is service.ProgrammeOptions, read from the
//     environment under its prefix (ProgrammeOptionsFromEnv); the kit
//     opens the stream, counters and job data, runs the job runner and the
//     sweeps, and closes everything (ADR 0039);
//   - its tests: pkg/testutil/servicetest starts its server
//     (StartProgramme with Fast timings), dials callers, waits for jobs
//     (WaitJob), reads every page (All), counts events (CountSubject) and
//     runs the crash child (CrashMain, ServeProgrammeChild; a child frozen
//     at a hook with Freeze is killed with SIGKILL by Child.Kill).
//
// On the wire, programmes use motesplats.proposal.v1's ProposalStatus and
// reasons (Status.Proto, StatusOf; Change.Reason is the reason's number);
// docs/adr/0036.
package proposal
