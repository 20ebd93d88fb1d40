package jobs

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auth"
)

// API is the job RPCs every programme serves (start, get, list, watch) in
// the programme's own wire type P, so a programme supplies only ToProto
// (its counts) and not the glue around the Manager. Embed it in the
// programme's Service and set Manager before serving.
type API[P any] struct {
	// Manager runs the jobs.
	Manager *Manager
	// ToProto converts a job to the programme's message.
	ToProto func(Job) P
	// MayStart, if set, refuses a caller's role before anything else
	// (PermissionDenied).
	MayStart func(auth.Claims) error
}

// StartJob queues a matching job for org in munis (a coordinator's own
// organisation and municipalities when empty). requestID makes it
// idempotent per caller, and repeating it for a failed job resumes that
// job (docs/adr/0040). Returns Invalid, PermissionDenied, NotFound.
func (a *API[P]) StartJob(ctx context.Context, who auth.Claims, requestID, org string, munis []string) (P, error) {
	var zero P
	if a.MayStart != nil {
		if err := a.MayStart(who); err != nil {
			return zero, err
		}
	}
	j, err := a.Manager.Start(ctx, who, Request{RequestID: requestID, Organisation: org, Municipalities: munis})
	if err != nil {
		return zero, err
	}
	return a.ToProto(j), nil
}

// GetJob returns job id if the caller may see it. Returns Invalid,
// NotFound.
func (a *API[P]) GetJob(ctx context.Context, who auth.Claims, id string) (P, error) {
	var zero P
	j, err := a.Manager.GetAs(ctx, who, id)
	if err != nil {
		return zero, err
	}
	return a.ToProto(j), nil
}

// ListJobs returns the jobs the caller may see, newest first. Returns
// Invalid.
func (a *API[P]) ListJobs(_ context.Context, who auth.Claims, size int32, token string) ([]P, string, error) {
	js, next, err := a.Manager.Page(who, size, token)
	if err != nil {
		return nil, "", err
	}
	out := make([]P, len(js))
	for k, j := range js {
		out[k] = a.ToProto(j)
	}
	return out, next, nil
}

// WatchJob sends the job after every change, and again every
// WatchHeartbeat while it does not change (Watch), until it finishes or
// send fails. Returns Invalid, NotFound and send's error.
func (a *API[P]) WatchJob(ctx context.Context, who auth.Claims, id string, send func(P) error) error {
	ch, err := a.Manager.WatchAs(ctx, who, id)
	if err != nil {
		return err
	}
	for j := range ch {
		if err := send(a.ToProto(j)); err != nil {
			return err
		}
	}
	return nil
}

// Number is s as the programmes' JobState enums number it (QUEUED 1,
// RUNNING 2, SUCCEEDED 3, FAILED 4; 0 unspecified), so a programme
// converts with one cast.
func (s State) Number() int32 {
	switch s {
	case Queued:
		return 1
	case Running:
		return 2
	case Succeeded:
		return 3
	case Failed:
		return 4
	}
	return 0
}

// Timestamp is t on the wire; the zero time (not started, not finished)
// is nil, so the field stays unset.
func Timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
