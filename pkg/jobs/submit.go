package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// MaxMunicipalities bounds the municipalities one job may cover unless
// Config.MaxMunicipalities says otherwise.
const MaxMunicipalities = 64

// MaxMunicipalities is the most municipalities one of m's jobs may cover
// (Config.MaxMunicipalities).
func (m *Manager) MaxMunicipalities() int { return m.cfg.MaxMunicipalities }

// Request is a caller's request to start a job in an organisation's
// municipalities.
type Request struct {
	// RequestID makes the start idempotent per caller: the same id returns
	// the same job, and resumes it if it failed.
	RequestID string
	// Organisation and Municipalities scope the job; a coordinator's own
	// organisation and municipalities when empty.
	Organisation   string
	Municipalities []string
	// Params is the programme's own input description (JSON), if any.
	Params json.RawMessage
}

// Visible reports whether who may see (and start) a job of org in munis:
// a coordinator only when every municipality is theirs, in their own
// organisation; admins and services always; operators never (jobs name
// the people they matched in their results).
func Visible(who auth.Claims, org string, munis []string) bool {
	for _, m := range munis {
		if !who.CanSee(org, m) {
			return false
		}
	}
	return len(munis) > 0 || who.Role == auth.RoleAdmin || who.Role == auth.RoleService
}

// Start validates req, checks that who may start it, and submits it (see
// Submit: a repeated request id returns the same job, and resumes it when
// it failed). Returns Invalid with field violations ("request_id",
// "organisation_id", "municipality_codes[k]"), PermissionDenied, NotFound.
func (m *Manager) Start(ctx context.Context, who auth.Claims, req Request) (Job, error) {
	switch who.Role {
	case auth.RoleAdmin, auth.RoleCoordinator, auth.RoleService:
	default:
		return Job{}, apperr.Errorf(apperr.PermissionDenied, "your role may not start jobs")
	}
	org, munis := req.Organisation, req.Municipalities
	if who.Role == auth.RoleCoordinator {
		if org == "" {
			org = who.Organisation
		}
		if len(munis) == 0 {
			munis = slices.Clone(who.Municipalities)
		}
	}
	var v apperr.Validator
	if !ids.Valid(req.RequestID) {
		v.Add("request_id", "is required: 1 to 64 letters, digits, '-' or '_'")
	}
	if !ids.Valid(org) {
		v.Add("organisation_id", "is required")
	}
	most := m.cfg.MaxMunicipalities
	if len(munis) == 0 || len(munis) > most {
		v.Add("municipality_codes", fmt.Sprintf("must list 1 to %d municipalities", most))
	}
	seen := map[string]bool{}
	for k, mu := range munis {
		if len(munis) > most {
			break // one violation for the length is enough
		}
		switch {
		case !municipality.Valid(mu):
			v.Add(fmt.Sprintf("municipality_codes[%d]", k), "is not an SCB municipality code")
		case seen[mu]:
			v.Add(fmt.Sprintf("municipality_codes[%d]", k), "is listed twice")
		}
		seen[mu] = true
	}
	if err := v.Err(); err != nil {
		return Job{}, err
	}
	if !Visible(who, org, munis) {
		return Job{}, apperr.Errorf(apperr.PermissionDenied, "you may only start jobs in your organisation and municipalities")
	}
	j := Job{Organisation: org, Municipalities: slices.Sorted(slices.Values(munis)), Params: req.Params}
	if m.cfg.RulesVersion != nil {
		j.Version = m.cfg.RulesVersion(org)
	}
	j, err := m.submit(ctx, who.Organisation+"/"+who.Subject+"/"+req.RequestID, j, false)
	if err != nil {
		return Job{}, err
	}
	// The id may name a job of another scope (a token's scope changed
	// since): answer as if it did not exist, and do not resume it.
	if !Visible(who, j.Organisation, j.Municipalities) {
		return Job{}, apperr.Errorf(apperr.NotFound, "job not found")
	}
	if j.State == Failed {
		return m.Resume(ctx, j.ID)
	}
	return j, nil
}

// Submit stores a queued job built from j and hands it to a runner.
// requestKey makes it idempotent: the same key returns the job submitted
// first (for a week), even after a crash half-way through. A key naming a
// failed job resumes it (see Resume): the coordinator's retry of a failed
// start is what starts it again. The job carries the trace context of ctx,
// so its runs continue the submitting request's trace. Returns Invalid for
// an empty key.
func (m *Manager) Submit(ctx context.Context, requestKey string, j Job) (Job, error) {
	return m.submit(ctx, requestKey, j, true)
}

// submit is Submit; resume says whether a key naming a failed job resumes
// it.
func (m *Manager) submit(ctx context.Context, requestKey string, j Job, resume bool) (Job, error) {
	if requestKey == "" {
		return Job{}, apperr.Errorf(apperr.Invalid, "request id is required")
	}
	sum := sha256.Sum256([]byte(requestKey))
	key := hex.EncodeToString(sum[:16])
	id := m.cfg.IDs.New()
	// A repeated request reads what the first one wrote from the stream
	// leaders: a direct get may be a replica that has not seen it yet,
	// which told a retried start that its job did not exist (ADR 0233).
	repeat := false
	if _, err := m.requests.Create(ctx, key, []byte(id)); err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return Job{}, fmt.Errorf("jobs: reserve request: %w", err)
		}
		raw, _, err := leader.Get(ctx, m.js, m.requests.Bucket(), key)
		if err != nil {
			return Job{}, fmt.Errorf("jobs: read request: %w", err)
		}
		id, repeat = string(raw), true
	}
	existing, _, err := m.read(ctx, id, repeat)
	switch {
	case err == nil && existing.State == Failed && resume:
		return m.Resume(ctx, id)
	case err == nil:
		j = existing
	case apperr.ErrorCode(err) == apperr.NotFound:
		j.ID, j.State, j.Created = id, Queued, m.cfg.Now().UTC()
		j.Phase, j.Progress, j.Attempts, j.Owner = "queued", 0, 0, ""
		j.Trace = m.traceOf(ctx)
		raw, err := json.Marshal(j)
		if err != nil {
			return Job{}, fmt.Errorf("jobs: encode: %w", err)
		}
		if _, err := m.kv.Create(ctx, id, raw); err != nil {
			if !errors.Is(err, jetstream.ErrKeyExists) {
				return Job{}, fmt.Errorf("jobs: create: %w", err)
			}
			if j, _, err = m.read(ctx, id, true); err != nil {
				return Job{}, err
			}
		}
	default:
		return Job{}, err
	}
	if j.State == Queued {
		// Publishing again for a repeated request is harmless: the stream
		// drops the duplicate, and a late duplicate finds the job done.
		if err := m.enqueue(ctx, j); err != nil {
			return Job{}, err
		}
	}
	m.remember(j)
	return j, nil
}

// Resume starts a failed job again: it is queued with MaxAttempts more
// attempts, keeps its id, its frozen snapshot (so it matches the same
// input) and its counts, and continues the trace of ctx. Its job function
// must therefore be restartable, as it is for a crash. A job that is not
// failed is returned unchanged. Returns NotFound.
func (m *Manager) Resume(ctx context.Context, id string) (Job, error) {
	trace := m.traceOf(ctx)
	j, err := m.update(ctx, id, func(j *Job) error {
		if j.State != Failed {
			return errNotFailed
		}
		j.State, j.Phase, j.Progress, j.Owner = Queued, "queued", 0, ""
		j.Finished, j.Resumes = time.Time{}, j.Resumes+1
		j.AttemptLimit = j.Attempts + m.cfg.MaxAttempts
		if len(trace) > 0 {
			j.Trace = trace
		}
		return nil
	})
	switch {
	case errors.Is(err, errNotFailed):
		return j, nil
	case err != nil:
		return Job{}, err
	}
	m.log.Info("jobs: resumed", "job", id, "resumes", j.Resumes)
	if err := m.enqueue(ctx, j); err != nil {
		return Job{}, err
	}
	m.remember(j)
	return j, nil
}

var errNotFailed = errors.New("job not failed")

// remember puts a job just written into the index unless the watch has
// already brought a newer state.
func (m *Manager) remember(j Job) {
	m.mu.Lock()
	if cur, ok := m.jobs[j.ID]; !ok || cur.State == Queued || cur.State == Failed {
		m.jobs[j.ID] = j
	}
	m.mu.Unlock()
}

// traceOf returns the trace context of ctx as a W3C carrier (nil when ctx
// carries none).
func (m *Manager) traceOf(ctx context.Context) map[string]string {
	c := propagation.MapCarrier{}
	m.cfg.Propagator.Inject(ctx, c)
	if len(c) == 0 {
		return nil
	}
	return c
}

// enqueue hands job j to a runner. The message carries the job's trace
// context in its headers; its id names the job and its resumption, so the
// stream's duplicate window drops repeats of one start but not a resume.
func (m *Manager) enqueue(ctx context.Context, j Job) error {
	msg := nats.NewMsg(m.subject)
	msg.Data = []byte(j.ID)
	for k, v := range j.Trace {
		msg.Header.Set(k, v)
	}
	msgID := j.ID
	if j.Resumes > 0 {
		msgID += "-r" + strconv.Itoa(j.Resumes)
	}
	if _, err := m.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID)); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", j.ID, err)
	}
	return nil
}
