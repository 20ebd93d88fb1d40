package pairs

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/store"
)

// A job's proposals are read best first (ADR 0128): the pairs repository
// keeps the order "score" (store.Config.Orders), and a page token in that
// order names a position in the ranking, the last page's points and pair
// id, so the next page starts where the ranking left off. Its tokens
// start with "s1:" and id order's with "v1:" (page.Encode): a token is
// refused by the other order, since its position means nothing there.

// orderScore names the pairs repository's order by points, highest first.
const orderScore = "score"

// scoreKey is a pair's key in the order "score": eight hex digits of
// MaxInt32 minus its points, so more points sort first as bytes, and every
// int32 has a key.
func scoreKey(p *pb.Pair) string {
	return keyOfScore(p.GetScore())
}

func keyOfScore(score int32) string {
	return fmt.Sprintf("%08x", uint32(math.MaxInt32-int64(score)))
}

// checkOrder validates the order, page size and token into v, and returns
// the page size, the position or id to continue after, and the
// repository's order ("" for id order).
func checkOrder(v *apperr.Validator, o pb.PairOrder, size int32, token string) (int, string, string) {
	switch o {
	case pb.PairOrder_PAIR_ORDER_UNSPECIFIED:
		limit, after := page.Check(v, size, token)
		return limit, after, ""
	case pb.PairOrder_PAIR_ORDER_SCORE_DESC:
		limit, _ := page.Check(v, size, "")
		after, ok := decodeScoreToken(token)
		if !ok {
			v.Add("page_token", "is not a token from a previous response")
		}
		return limit, after, orderScore
	}
	v.Add("order", "is not a known value")
	return 0, "", ""
}

// encodeToken returns the token of the page after next (an id, or in the
// order "score" a store position); empty at the end.
func encodeToken(order, next string) string {
	if order == "" || next == "" {
		return page.Encode(next)
	}
	key, id, _ := store.SplitAt(next)
	u, _ := strconv.ParseUint(key, 16, 32)
	score := int64(math.MaxInt32) - int64(u)
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("s1:%d:%s", score, id)))
}

// decodeScoreToken returns the store position a token of the order
// "score" continues after; ok is false for anything encodeToken did not
// make (a forged token with well-formed points and id is a place in the
// ranking like any other). The empty token starts at the top.
func decodeScoreToken(tok string) (string, bool) {
	if tok == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	rest, ok := strings.CutPrefix(string(b), "s1:")
	if !ok {
		return "", false
	}
	points, id, ok := strings.Cut(rest, ":")
	if !ok || !ids.Valid(id) {
		return "", false
	}
	score, err := strconv.ParseInt(points, 10, 32)
	if err != nil {
		return "", false
	}
	// One spelling per place, as page.Decode (ADR 0213): base64's unused
	// last bits and skipped line breaks, and "+5" or "05" for 5, would
	// otherwise make several tokens of one page.
	if base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "s1:%d:%s", score, id)) != tok {
		return "", false
	}
	return store.At(keyOfScore(int32(score)), id), true
}
