package jobs

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/match"
)

// Steps are what a matching programme supplies to the pipeline
// snapshot -> build -> solve -> verify -> explain -> propose. The pipeline
// does the rest: it freezes the input once per job (a restarted or resumed
// job reuses it), runs the engine and checks its certificate, reports
// progress in named phases, traces each step, and stores the result.
type Steps struct {
	// Snapshot reads the live input in the job's scope and encodes it. It
	// runs once per job, before the first proposal is written.
	Snapshot func(ctx context.Context, j Job) (Snapshot, error)
	// Build turns an encoded snapshot into the engine's instance and the
	// programme's steps for its outcome. An error fails the job at once
	// (the snapshot will not change).
	Build func(ctx context.Context, j Job, raw []byte) (Plan, error)
}

// Snapshot is a job's frozen input as the programme encoded it.
type Snapshot struct {
	Raw []byte
	// Version names the rules the job matches by.
	Version string
	// Counts describe the input ("newcomers", "free_slots", ...).
	Counts map[string]int64
}

// Plan is a built instance and what the programme does with its outcome.
type Plan struct {
	// Built is the engine's instance, with the ids behind its indices.
	Built *match.Built
	// Propose writes the proposal for one matched newcomer, create-once
	// with an id derived from the two parties, and reports whether the job
	// holds it (false: someone left, or another job proposed it first).
	Propose func(ctx context.Context, x match.Explanation) (bool, error)
	// ProposeBatch, when set, is used instead of Propose: it writes the
	// proposals of many matched newcomers at once (with a durable write
	// per batch, proposal.Lifecycle.ProposeBatch) and reports for each, in
	// order, whether the job holds it. A job at national scale needs it.
	ProposeBatch func(ctx context.Context, xs []match.Explanation) ([]bool, error)
	// BatchSize is how many proposals one ProposeBatch call gets (default
	// 2,000), and BatchesInFlight how many calls may run at once (default
	// 1): with more, one batch's durable write overlaps the next one's
	// encoding and staging. ProposeBatch must then be safe for concurrent
	// use; progress counts calls as they answer.
	BatchSize       int
	BatchesInFlight int
	// Unmatched records a newcomer the engine left unmatched.
	Unmatched func(x match.Explanation)
	// Result encodes what the job found besides its proposals, after every
	// newcomer was handled, with counts to show ("unmatched").
	Result func() ([]byte, map[string]int64, error)
}

// Pipeline returns the job function that runs steps, keeping snapshots
// and results in Config.Data. Phases, in order: "snapshot", "build",
// "solve", "propose" (with Done counting proposals, reported every 25),
// "result". Spans "jobs.snapshot", "jobs.solve" and "jobs.propose" are
// children of the run's span.
func (m *Manager) Pipeline(steps Steps) Func {
	tracer, data := m.tracer, m.cfg.Data
	return func(ctx context.Context, r *Run) error {
		if data == nil || steps.Snapshot == nil || steps.Build == nil {
			return Permanent(errNoSteps)
		}
		j := r.Job()
		if err := r.Report(ctx, Progress{Phase: "snapshot", Percent: 2}); err != nil {
			return err
		}
		// Before the snapshot is read, stored or live: whoever Forget
		// finishes with from here on may be in it, and is left out of
		// what this attempt stores (putData, docs/adr/0130).
		mark, err := m.forgottenMark(ctx)
		if err != nil {
			return err
		}
		raw, err := m.frozen(ctx, r, mark, steps)
		if err != nil {
			return err
		}
		if err := r.Report(ctx, Progress{Phase: "build", Percent: 20}); err != nil {
			return err
		}
		bctx, bspan := tracer.Start(ctx, "jobs.build")
		plan, err := steps.Build(bctx, j, raw)
		bspan.End()
		if err != nil {
			return Permanent(fmt.Errorf("build instance: %w", err))
		}
		in := plan.Built.Instance
		if err := r.Report(ctx, Progress{Phase: "solve", Percent: 35,
			Counts: map[string]int64{"eligible_pairs": int64(len(in.Edges))}}); err != nil {
			return err
		}
		expl, cert, err := solve(ctx, tracer, in)
		if err != nil {
			return err
		}
		matched := 0
		for _, x := range expl {
			if x.Reason == match.Matched {
				matched++
			}
		}
		if err := r.Report(ctx, Progress{Phase: "propose", Percent: 50, Force: true,
			Counts: map[string]int64{"objective": cert.Objective, "bound": cert.Bound}}); err != nil {
			return err
		}
		done, err := propose(ctx, r, tracer, plan, expl, matched)
		if err != nil {
			return err
		}
		res, counts, err := plan.Result()
		if err != nil {
			return Permanent(fmt.Errorf("encode result: %w", err))
		}
		counts = merged(map[string]int64{"proposals": int64(done)}, counts)
		if err := r.Report(ctx, Progress{Phase: "result", Percent: 97, Force: true, Counts: counts}); err != nil {
			return err
		}
		if _, _, err := m.putData(ctx, mark, j.ID, ResultKind, res); err != nil {
			return err
		}
		return nil
	}
}

// frozen returns the job's snapshot: the stored one when the job has one
// (a restart or a resume), else a new one, stored and recorded in the job
// before anything is proposed from it. A new one is stored, and returned,
// without the people Forget finished with since mark.
func (m *Manager) frozen(ctx context.Context, r *Run, mark uint64, steps Steps) ([]byte, error) {
	data, tracer := m.cfg.Data, m.tracer
	j := r.Job()
	if j.Snapshot != "" {
		raw, err := data.Get(ctx, j.ID, SnapshotKind)
		if err == nil {
			return raw, nil
		}
		if apperr.ErrorCode(err) != apperr.NotFound {
			return nil, err
		}
		// Expired while the job waited to be resumed: the proposals it
		// made are create-once, so a fresh snapshot repeats none.
	}
	ctx, span := tracer.Start(ctx, "jobs.snapshot")
	defer span.End()
	snap, err := steps.Snapshot(ctx, j)
	if err != nil {
		return nil, err
	}
	span.SetAttributes(attribute.Int("jobs.snapshot.bytes", len(snap.Raw)))
	ref, raw, err := m.putData(ctx, mark, j.ID, SnapshotKind, snap.Raw)
	if err != nil {
		return nil, err
	}
	if err := r.Report(ctx, Progress{Phase: "snapshot", Percent: 15, Counts: snap.Counts}); err != nil {
		return nil, err
	}
	if err := r.SetSnapshot(ctx, ref, snap.Version); err != nil {
		return nil, err
	}
	return raw, nil
}

// solve runs the engine, checks its certificate and explains every
// newcomer's outcome. Its failures are permanent: the input is frozen.
// The check and the explanation are child spans "jobs.verify" and
// "jobs.explain", so a trace shows what each costs at scale.
func solve(ctx context.Context, tracer trace.Tracer, in *match.Instance) ([]match.Explanation, match.Certificate, error) {
	ctx, span := tracer.Start(ctx, "jobs.solve", trace.WithAttributes(
		attribute.Int("match.newcomers", in.Newcomers), attribute.Int("match.edges", len(in.Edges))))
	defer span.End()
	sol, err := match.Solve(in)
	if err != nil {
		return nil, match.Certificate{}, Permanent(fmt.Errorf("solve: %w", err))
	}
	_, vspan := tracer.Start(ctx, "jobs.verify")
	cert, err := match.Verify(in, sol)
	vspan.End()
	if err != nil {
		return nil, match.Certificate{}, Permanent(fmt.Errorf("verify: %w", err))
	}
	span.SetAttributes(attribute.Int64("match.objective", cert.Objective))
	_, espan := tracer.Start(ctx, "jobs.explain")
	defer espan.End()
	return match.Explain(in, sol), cert, nil
}

// propose hands every newcomer's outcome to the plan and returns how many
// proposals the job holds.
func propose(ctx context.Context, r *Run, tracer trace.Tracer, plan Plan, expl []match.Explanation, matched int) (int, error) {
	ctx, span := tracer.Start(ctx, "jobs.propose")
	defer span.End()
	if plan.ProposeBatch != nil {
		done, err := proposeBatched(ctx, r, plan, expl, matched)
		span.SetAttributes(attribute.Int("jobs.proposals", done))
		return done, err
	}
	done := 0
	for _, x := range expl {
		if x.Reason != match.Matched {
			plan.Unmatched(x)
			continue
		}
		ok, err := plan.Propose(ctx, x)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		done++
		if done%25 == 0 || done == matched {
			if err := r.Report(ctx, Progress{Phase: "propose", Percent: 50 + 45*done/max(matched, 1), Done: done,
				Counts: map[string]int64{"proposals": int64(done)}}); err != nil {
				return 0, err
			}
		}
	}
	span.SetAttributes(attribute.Int("jobs.proposals", done))
	return done, nil
}

// errNoSteps is returned by a pipeline missing a step.
var errNoSteps = errors.New("jobs: a pipeline needs Config.Data and the Snapshot and Build steps")
