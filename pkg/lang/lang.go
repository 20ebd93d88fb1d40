// Package lang validates language codes: ISO 639-1 two-letter codes, and the
// ISO 639-3 three-letter codes of languages newcomers to Sweden often speak
// that have no two-letter code (Dari, Sorani, Kurmanji, Tigre, ...).
package lang

import "strings"

// iso6391 is the complete ISO 639-1 list.
const iso6391 = "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
	"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
	"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo " +
	"lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps " +
	"pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn " +
	"to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"

// iso6393 are three-letter codes accepted in addition: languages spoken by
// many newcomers that ISO 639-1 lacks (Dari, Sorani, Kurmanji, Tigre,
// Beja, regional Arabic varieties, Sámi languages...). A language that has a
// two-letter code is only accepted by that code ("ti", not "tir"), so one
// language never goes by two names in filters and matching.
const iso6393 = "prs ckb kmr sdh tig bej apc ary arz acm ajp kab ber aii syc haz bal brh " +
	"nyn luo kam mfe yue cmn smn sma smj fit fkv rom rmy"

var known = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(iso6391 + " " + iso6393) {
		m[c] = true
	}
	return m
}()

// Valid reports whether code is an accepted lower-case ISO 639 code.
func Valid(code string) bool { return known[code] }
