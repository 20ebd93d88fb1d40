package match

// kicks perturbs and re-optimises (iterated local search): each kick
// empties a few hosts that fall short of the LP duals' share of the bound,
// re-inserts their parties greedily, repacks, reassigns slots and runs the
// pair search from the emptied hosts; it is kept only if the objective
// rose, else undone through the journal. Local moves alone stop at a local
// optimum that depends on the order of the input (the same city, its
// parties permuted, ended at 0.48% and 0.60% from the bound); kicks reach
// 0.39-0.41% on both. The hosts are picked by a fixed stride, so the
// result repeats.
func (hs *householdState) kicks(count, width int, lp *lpSolution, D int64) {
	m := int32(len(hs.in.Capacity))
	if m == 0 {
		return
	}
	pk := newPairKnapsack(hs.in.Newcomers)
	only := make([]bool, m)
	for k := 0; k < count; k++ {
		lossy := hs.lossHosts(lp, D)
		before := hs.objective()
		hs.begin()
		var out, emptied []int32
		h := int32(k*37) % m
		for tries := int32(0); tries < m && len(emptied) < width; tries++ {
			if lossy[h] && len(hs.occ[h]) > 0 {
				emptied = append(emptied, h)
				out = append(out, hs.occ[h]...)
			}
			h = (h + 53) % m
		}
		if len(emptied) == 0 {
			hs.commit()
			return
		}
		for _, i := range out {
			hs.take(i)
		}
		hs.insertAll(out)
		hs.improveQueued(20)
		hs.reassignSlots()
		hs.improveQueued(20)
		clear(only)
		for _, h := range emptied {
			only[h] = true
		}
		hs.pairsFrom(only, pk)
		if hs.objective() > before {
			hs.commit()
		} else {
			hs.rollback()
		}
	}
}
