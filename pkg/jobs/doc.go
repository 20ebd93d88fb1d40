// Package jobs is the programme kit's matching jobs: each job runs on
// exactly one replica, survives a crash, can be resumed after it failed,
// reports its progress, continues the trace of the request that started it
// and is removed after its retention. Mentoring uses it; dinners and guides
// will.
//
// A job is a JSON record in the KV bucket "<name>_jobs", changed only by
// compare-and-set on its revision. Submitting a job writes the record and
// puts its id on a JetStream work-queue stream ("JOBS_<NAME>"), with the
// caller's trace context in the message headers; every replica pulls from
// one shared durable consumer, so JetStream hands each id to one replica at
// a time. The runner marks the record running with its own owner id and
// holds a lease of AckWait (default 5 s): every AckWait/5 it sends an
// in-progress ack and writes a heartbeat into the record, checked against
// its owner id; it acks only after the job's final state is committed. If
// the replica dies, the message is redelivered AckWait after its last
// heartbeat and the next runner takes the job over and runs it again. A
// runner that cannot renew (cut off, paused) stops its job itself a fifth
// of AckWait before the server can hand it out, and any record write it
// still makes fails the owner check (docs/adr/0058). Job functions must
// therefore be restartable (use a frozen input snapshot and
// deterministic, create-once writes), which is what makes "resume or
// restart cleanly" true, and what makes a write that slips out of a
// paused runner harmless. The same request id on a failed job resumes it
// with MaxAttempts more attempts and the same snapshot (docs/adr/0040).
//
// Jobs of one Manager run one at a time across all replicas (the consumer
// allows one unacknowledged message): matching jobs compete for the same
// capacity, and running them in turn keeps them from proposing the same
// slot twice.
//
// # Writing a programme's jobs
//
// A programme opens a Manager with Open and runs Manager.Pipeline of its
// Steps with Manager.Run. All it supplies is:
//
//   - Config.Name, and Config.Data (OpenObjectData): where snapshots and
//     results are kept, with the results' TTL.
//   - Steps.Snapshot: read the live input in the job's scope (after
//     syncing its indexes) and encode it, with its counts and rules
//     version.
//   - Steps.Build: decode a snapshot into a match.Built under its rules,
//     with Plan.Propose (write one proposal, create-once, with an id
//     derived from the two parties, skipping people who left), Plan.Unmatched
//     and Plan.Result (encode what else the job found).
//   - Config.Tally: count what a job wrote (its proposals in the store), so
//     a job's counts are true after a crash or a failure.
//   - Config.Redact: remove an erased person from its snapshot and result
//     shapes; call Manager.Forget from its erasure path. Forget logs the
//     id, and the pipeline's later writes of a running job leave the
//     person out too (docs/adr/0130), provided Steps.Snapshot syncs its
//     pool before it reads.
//   - Optionally Config.OnFinish (announce the job, idempotently),
//     Config.Schedules, Config.RulesVersion, Config.Retention.
//
// Its API calls Start, GetAs, Page and WatchAs, which check the caller's
// scope (Visible) and validate input; it converts Job to its own message.
package jobs
