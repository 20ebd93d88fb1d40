package proposal

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/store"
)

// Tally is a programme's jobs.Config.Tally: it counts as "proposals" the
// records of repo that a job wrote (its "job" index, jobOf naming the
// job's id) and that keep accepts (nil: every one). It reads after a Sync
// of the bucket rather than trusting the job's reports, so a job killed
// between a write and its next report still says what it wrote.
func Tally[R proto.Message](repo *store.Repo[R], jobOf func(R) string, keep func(R) bool) func(ctx context.Context, j jobs.Job) (map[string]int64, error) {
	return func(ctx context.Context, j jobs.Job) (map[string]int64, error) {
		if err := repo.Sync(ctx); err != nil {
			return nil, err
		}
		found, err := repo.Find(store.Query[R]{Index: "job", Values: []string{j.ID},
			Filter: func(r R) bool { return jobOf(r) == j.ID && (keep == nil || keep(r)) }})
		if err != nil {
			return nil, err
		}
		return map[string]int64{"proposals": int64(len(found.Items))}, nil
	}
}
