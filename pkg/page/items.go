package page

// Items pages through items, sorted by key, keeping those keep accepts
// (nil: all): the page after the key after, at most limit long, the token
// of the next page ("" when none) and how many items keep accepts in all.
// Programmes page their stored job results with it (unmatched newcomers,
// unseated parties), skipping people who left since.
func Items[T any](items []T, key func(T) string, keep func(T) bool, after string, limit int) (out []T, next string, total int) {
	for _, it := range items {
		if keep != nil && !keep(it) {
			continue
		}
		total++
		if key(it) <= after {
			continue
		}
		if len(out) == limit {
			next = Encode(key(out[len(out)-1]))
			continue
		}
		out = append(out, it)
	}
	return out, next, total
}
