package jobs

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
)

// ResultAs decodes the stored result of job id into res, for a caller who
// may see the job. Returns Invalid, NotFound (also when the result has
// expired), FailedPrecondition (the job has not succeeded).
func (m *Manager) ResultAs(ctx context.Context, who auth.Claims, id string, res proto.Message) error {
	j, err := m.GetAs(ctx, who, id)
	if err != nil {
		return err
	}
	if j.State != Succeeded {
		return apperr.Errorf(apperr.FailedPrecondition, "the job has not succeeded")
	}
	if m.cfg.Data == nil {
		return apperr.Errorf(apperr.NotFound, "the job's result has expired")
	}
	raw, err := m.cfg.Data.Get(ctx, id, ResultKind)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return apperr.Errorf(apperr.NotFound, "the job's result has expired")
	}
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(raw, res); err != nil {
		return fmt.Errorf("decode result: %w", err)
	}
	return nil
}
