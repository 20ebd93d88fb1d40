package core

import "google.golang.org/protobuf/types/known/fieldmaskpb"

// mask builds a field mask; no paths means nil (every updatable field).
func mask(paths []string) *fieldmaskpb.FieldMask {
	if len(paths) == 0 {
		return nil
	}
	return &fieldmaskpb.FieldMask{Paths: paths}
}
