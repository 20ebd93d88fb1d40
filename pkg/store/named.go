package store

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/seal"
)

// A record that holds a second person's data (Config.AlsoSealFor: a
// message to a mentor that names the newcomer) is stored in two parts:
// sealed_data holds the record without the fields Config.AlsoSealFields
// names, under the Subject's key as any record; sealed_named holds those
// fields, sealed with the second person's key and then with the
// Subject's. Shredding the Subject's key makes the whole record
// unreadable, as before; shredding the second person's makes the named
// part unreadable in every stored revision, and the record then reads as
// if those fields were empty, so its holder still sees it (a message
// without the text that named the erased). Nested seals rather than a
// key derived from both: Keyring keeps data keys to itself, and each
// layer is one more AES-GCM of a few hundred bytes. Records that name no
// one else take none of this path. See docs/adr/0159.

// namedFields resolves Config.AlsoSealFields in T, or says why not.
func namedFields[T proto.Message](cfg Config[T]) ([]protoreflect.FieldDescriptor, error) {
	if cfg.AlsoSealFor == nil {
		return nil, nil
	}
	if len(cfg.AlsoSealFields) == 0 {
		return nil, fmt.Errorf("store: %s: AlsoSealFor needs AlsoSealFields", cfg.Bucket)
	}
	desc := cfg.New().ProtoReflect().Descriptor()
	out := make([]protoreflect.FieldDescriptor, 0, len(cfg.AlsoSealFields))
	for _, name := range cfg.AlsoSealFields {
		fd := desc.Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			return nil, fmt.Errorf("store: %s: %s has no field %q", cfg.Bucket, desc.FullName(), name)
		}
		out = append(out, fd)
	}
	return out, nil
}

// namedSubject is the second person whose key seals part of v under key
// besides subject's, or "" for none: also when v holds none of the
// fields that would be theirs (a seating before its host's feedback),
// which then cost nothing more.
func (r *Repo[T]) namedSubject(key string, v T, subject string) string {
	if r.cfg.AlsoSealFor == nil || subject == "" {
		return ""
	}
	other := r.cfg.AlsoSealFor(key, v)
	if other == "" || other == subject {
		return ""
	}
	m := v.ProtoReflect()
	for _, fd := range r.named {
		if m.Has(fd) {
			return other
		}
	}
	return ""
}

// namedAAD binds the named part to its record and to the person named,
// whose id is stored in clear beside it: both layers use it, so neither
// can be moved into another record or be given another person's id.
func (r *Repo[T]) namedAAD(key, other string) []byte {
	return []byte("motesplats/record-named/v1\x00" + r.cfg.Bucket + "\x00" + key + "\x00" + other)
}

// split encodes v without its named fields (rest) and the named fields
// alone (named). Decoding rest followed by named gives v again: in the
// wire format, fields set in either part merge.
func (r *Repo[T]) split(v T) (rest, named []byte, err error) {
	restMsg := proto.Clone(v).(T)
	namedMsg := r.cfg.New()
	rm, nm := restMsg.ProtoReflect(), namedMsg.ProtoReflect()
	for _, fd := range r.named {
		if rm.Has(fd) {
			nm.Set(fd, rm.Get(fd))
			rm.Clear(fd)
		}
	}
	if rest, err = proto.Marshal(restMsg); err != nil {
		return nil, nil, fmt.Errorf("store: encode: %w", err)
	}
	if named, err = proto.Marshal(namedMsg); err != nil {
		return nil, nil, fmt.Errorf("store: encode: %w", err)
	}
	return rest, named, nil
}

// sealNamed builds the entry for v under key in two parts, subject's and
// other's (see above), with the events it owes sealed as sealRecord does.
// stored is the encoding of the record the entry holds: v itself, or,
// when other is erased already, v without the named fields, which are
// then not stored at all.
func (r *Repo[T]) sealNamed(ctx context.Context, key string, v T, subject, other string, outbox []*eventsv1.Envelope) (rec *storev1.Record, stored []byte, err error) {
	rest, named, err := r.split(v)
	if err != nil {
		return nil, nil, err
	}
	rec = &storev1.Record{Subject: subject}
	aad := r.namedAAD(key, other)
	// The named person is always another's (a seating's host): their key
	// must exist, a missing one is an unknown or erased person.
	inner, err := r.cfg.Keyring.SealExisting(ctx, other, named, aad)
	switch {
	case seal.IsShredded(err):
		// The named person is erased: nothing of theirs may be written.
		stored = rest
	case err != nil:
		return nil, nil, err
	default:
		if rec.SealedNamed, err = r.sealWith(ctx, subject, inner, aad); err != nil {
			return nil, nil, err
		}
		rec.NamedSubject = other
		if stored, err = proto.Marshal(v); err != nil {
			return nil, nil, fmt.Errorf("store: encode: %w", err)
		}
	}
	if rec.SealedData, err = r.sealWith(ctx, subject, rest, r.aad(key)); err != nil {
		return nil, nil, err
	}
	if rec.Outbox, err = r.sealEvents(ctx, subject, outbox); err != nil {
		return nil, nil, err
	}
	return rec, stored, nil
}

// openNamed adds the named part of rec to rest, the record's other part
// opened already. lost is true when the named person's key is shredded:
// the record is then rest alone, as if its named fields were empty. The
// result is re-encoded as Marshal would encode the record, so an update
// that changes nothing compares equal to it and writes nothing.
func (r *Repo[T]) openNamed(ctx context.Context, key string, rec *storev1.Record, rest []byte) (data []byte, lost bool, err error) {
	aad := r.namedAAD(key, rec.GetNamedSubject())
	inner, err := r.cfg.Keyring.Open(ctx, rec.GetSubject(), rec.GetSealedNamed(), aad)
	if err != nil {
		// The subject's key opened the rest a moment ago: shredded now is
		// the holder's erasure racing this read, and reads as gone.
		return nil, false, err
	}
	named, err := r.cfg.Keyring.Open(ctx, rec.GetNamedSubject(), inner, aad)
	if seal.IsShredded(err) {
		return rest, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	v := r.cfg.New()
	if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(rest, v); err != nil {
		return nil, false, errors.New("store: decode the record's rest")
	}
	if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(named, v); err != nil {
		return nil, false, errors.New("store: decode the record's named part")
	}
	if data, err = proto.Marshal(v); err != nil {
		return nil, false, fmt.Errorf("store: encode: %w", err)
	}
	return data, false, nil
}

// storedPart is the part of rec that holds the record (its data in clear
// or sealed, and whose keys sealed it), for a write that keeps the record
// as it is: clearing an outbox, fencing, undoing an update.
func storedPart(rec *storev1.Record) *storev1.Record {
	return &storev1.Record{Data: rec.GetData(), SealedData: rec.GetSealedData(), Subject: rec.GetSubject(),
		SealedNamed: rec.GetSealedNamed(), NamedSubject: rec.GetNamedSubject()}
}
