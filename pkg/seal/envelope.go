package seal

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// envelopeAAD binds a sealed payload to its event: its id, type and
// subject, so it cannot be moved into another event.
func envelopeAAD(env *eventsv1.Envelope) []byte {
	return []byte("motesplats/event/v1\x00" + env.GetId() + "\x00" + env.GetType() + "\x00" + env.GetSubjectId())
}

// SealEnvelope replaces env's payload by its sealed form under the data key
// of env.subject_id, for events that carry facts about that person. An
// envelope already sealed is left as it is. Returns ErrShredded for an
// erased person.
func SealEnvelope(ctx context.Context, k *Keyring, env *eventsv1.Envelope) error {
	return sealEnvelope(ctx, k, env, k.Seal)
}

// SealEnvelopeExisting is SealEnvelope for an event about another
// service's person: sealed only with a key that exists (SealExisting).
func SealEnvelopeExisting(ctx context.Context, k *Keyring, env *eventsv1.Envelope) error {
	return sealEnvelope(ctx, k, env, k.SealExisting)
}

func sealEnvelope(ctx context.Context, k *Keyring, env *eventsv1.Envelope, sealFn func(context.Context, string, []byte, []byte) ([]byte, error)) error {
	if len(env.GetSealedPayload()) > 0 || env.GetPayload() == nil {
		return nil
	}
	plain, err := proto.Marshal(env.GetPayload())
	if err != nil {
		return fmt.Errorf("seal: encode payload: %w", err)
	}
	sealed, err := sealFn(ctx, env.GetSubjectId(), plain, envelopeAAD(env))
	if err != nil {
		return err
	}
	env.SealedPayload, env.Payload = sealed, nil
	return nil
}

// OpenEnvelope restores the payload of a sealed envelope in place; an
// unsealed one is left as it is. Returns ErrShredded when the person was
// erased (the event is about nobody any more), Invalid when the sealed
// payload does not authenticate.
func OpenEnvelope(ctx context.Context, k *Keyring, env *eventsv1.Envelope) error {
	if len(env.GetSealedPayload()) == 0 {
		return nil
	}
	if k == nil {
		return errors.New("seal: a sealed event needs a keyring to open")
	}
	plain, err := k.Open(ctx, env.GetSubjectId(), env.GetSealedPayload(), envelopeAAD(env))
	if err != nil {
		return err
	}
	var p anypb.Any
	if err := proto.Unmarshal(plain, &p); err != nil {
		return errCorrupt
	}
	env.Payload, env.SealedPayload = &p, nil
	return nil
}
