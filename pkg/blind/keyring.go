package blind

import (
	"context"
	"fmt"

	"github.com/motesplats/motesplats/pkg/seal"
)

// FromKeyring returns the Index named name (a service's, for example
// "participants") keyed from k's key store, the same on every replica.
// A nil k (a service storing records in clear, in tests) gets Unkeyed.
func FromKeyring(ctx context.Context, k *seal.Keyring, name string) (*Index, error) {
	if k == nil {
		return Unkeyed(name), nil
	}
	key, err := k.IndexKey(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("blind index %s: %w", name, err)
	}
	return New(key), nil
}
