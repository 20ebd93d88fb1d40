// Package ids makes record and event ids. Ids are UUIDv7: unique without
// coordination between replicas, and sortable by creation time, which gives
// list pages a stable, meaningful order.
package ids

import (
	"fmt"
	"sync"

	"github.com/google/uuid"
)

// Source makes ids. Services take a Source so tests can make them
// deterministic.
type Source interface {
	// New returns a fresh id.
	New() string
}

// UUIDv7 is the production Source.
type UUIDv7 struct{}

// New returns a new UUIDv7 string.
func (UUIDv7) New() string {
	u, err := uuid.NewV7()
	if err != nil {
		// NewV7 fails only when the system random source fails; there is
		// no sensible way to go on without unique ids.
		panic(fmt.Sprintf("ids: random source failed: %v", err))
	}
	return u.String()
}

// Sequence is a deterministic Source for tests: prefix-000001, -000002, ...
type Sequence struct {
	Prefix string
	mu     sync.Mutex
	n      int
}

// New returns the next id in the sequence.
func (s *Sequence) New() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return fmt.Sprintf("%s%06d", s.Prefix, s.n)
}

// Valid reports whether s looks like an id this system could have made:
// 1 to 64 characters of letters, digits, '-' and '_'. Checking ids before
// using them as NATS keys keeps wildcards and dots out of subjects.
func Valid(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
