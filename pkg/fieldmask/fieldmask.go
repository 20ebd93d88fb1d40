// Package fieldmask applies an update mask: it copies the named top-level
// fields from a request message onto a stored one, so a client that sends
// only some fields never clears the others by accident.
package fieldmask

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// MaxPaths bounds the paths of one update mask. Every message has fewer
// updatable fields, so a longer mask can only repeat or invent names; a
// hundred thousand of them would otherwise cost a violation each.
const MaxPaths = 32

// Apply copies the fields named by paths from src to dst (clearing them in
// dst when unset in src). Only names in updatable may appear; an empty
// paths means all of updatable. It returns the paths applied, or an Invalid
// error naming each path that is unknown or not updatable, or the mask
// when it has more than MaxPaths paths; a refusal leaves dst unchanged.
func Apply(dst, src proto.Message, paths, updatable []string, field string) ([]string, error) {
	if len(paths) == 0 {
		paths = updatable
	}
	if len(paths) > MaxPaths {
		return nil, apperr.FieldError(field+".paths", fmt.Sprintf("must list at most %d paths", MaxPaths))
	}
	var v apperr.Validator
	// Working from a clone means dst shares no lists or messages with src.
	d, s := dst.ProtoReflect(), proto.Clone(src).ProtoReflect()
	fields := d.Descriptor().Fields()
	// Every path is checked before any is copied: a refused mask leaves
	// dst as it was, not half updated (ADR 0213).
	var todo []protoreflect.FieldDescriptor
	for i, p := range paths {
		if !slices.Contains(updatable, p) {
			v.Add(fmt.Sprintf("%s.paths[%d]", field, i), fmt.Sprintf("%q cannot be updated (updatable: %v)", short(p), updatable))
			continue
		}
		fd := fields.ByName(protoreflect.Name(p))
		if fd == nil {
			v.Add(fmt.Sprintf("%s.paths[%d]", field, i), fmt.Sprintf("%q is not a field", short(p)))
			continue
		}
		todo = append(todo, fd)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var applied []string
	for _, fd := range todo {
		if s.Has(fd) {
			d.Set(fd, s.Get(fd))
		} else {
			d.Clear(fd)
		}
		if p := string(fd.Name()); !slices.Contains(applied, p) {
			applied = append(applied, p)
		}
	}
	return applied, nil
}

// short keeps an error message from echoing an oversized path back.
func short(p string) string {
	if len(p) > 64 {
		return p[:64] + "..."
	}
	return p
}

// Changed returns the names of the top-level fields that differ between a
// and b, for "updated" events that say what changed without saying how.
func Changed(a, b proto.Message) []string {
	ra, rb := a.ProtoReflect(), b.ProtoReflect()
	var out []string
	fields := ra.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if ra.Has(fd) != rb.Has(fd) || (ra.Has(fd) && !ra.Get(fd).Equal(rb.Get(fd))) {
			out = append(out, string(fd.Name()))
		}
	}
	return out
}

// Require checks an update mask that must name its paths (no "all
// fields" default) before a service applies them by hand: at least one
// path, and every path in allowed. Each problem goes into v under field,
// so a caller can add its own checks to the same error.
func Require(v *apperr.Validator, paths, allowed []string, field string) {
	if len(paths) == 0 {
		v.Add(field, "must name at least one path")
	}
	for k, p := range paths {
		if !slices.Contains(allowed, p) {
			v.Add(fmt.Sprintf("%s.paths[%d]", field, k), "must be one of "+strings.Join(allowed, ", "))
		}
	}
}
