// Package municipality knows Sweden's 290 municipalities by their SCB code
// (four digits) and county. The list is embedded so every binary validates
// codes the same way without a network call.
package municipality

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

//go:embed municipalities.csv
var raw string

// Municipality is one kommun.
type Municipality struct {
	Code       string // SCB code, for example "0180"
	Name       string // for example "Stockholm"
	CountyCode string // for example "01"
	CountyName string // for example "Stockholms län"
}

type table struct {
	byCode map[string]Municipality
	byName map[string]Municipality // by nameKey of the name
	all    []Municipality
}

// load parses the embedded table once, on first use. It is part of the
// binary, so a parse failure is a build defect (the test catches it), not a
// runtime condition to handle.
var load = sync.OnceValue(func() table {
	rows, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
	if err != nil {
		panic(fmt.Sprintf("municipality: embedded table: %v", err))
	}
	t := table{byCode: make(map[string]Municipality, len(rows)), byName: make(map[string]Municipality, len(rows))}
	for _, r := range rows[1:] {
		m := Municipality{Code: r[0], Name: r[1], CountyCode: r[2], CountyName: r[3]}
		t.byCode[m.Code] = m
		t.byName[nameKey(m.Name)] = m
		t.all = append(t.all, m)
	}
	sort.Slice(t.all, func(i, j int) bool { return t.all[i].Code < t.all[j].Code })
	return t
})

// Lookup returns the municipality with the SCB code.
func Lookup(code string) (Municipality, bool) {
	m, ok := load().byCode[code]
	return m, ok
}

// ByName returns the municipality a person typed by name: any case,
// composed or not, with or without a trailing "kommun" ("Malmö kommun" is
// Malmö), spaces around and inside ignored. The web's fields and mp's
// flags take names as well as codes (ADR 0092, 0154); both look them up
// here so they agree on what a name is.
func ByName(name string) (Municipality, bool) {
	m, ok := load().byName[nameKey(name)]
	return m, ok
}

// nameKey is a name as ByName compares it.
func nameKey(s string) string {
	s = norm.NFC.String(strings.ToLower(strings.TrimSpace(s)))
	if k, ok := strings.CutSuffix(s, " kommun"); ok && k != "" {
		s = k
	}
	return strings.Join(strings.Fields(s), " ")
}

// Valid reports whether code is a municipality's SCB code.
func Valid(code string) bool {
	_, ok := load().byCode[code]
	return ok
}

// All returns every municipality ordered by code. The slice is a copy.
func All() []Municipality {
	return append([]Municipality(nil), load().all...)
}

// SameCounty reports whether two municipality codes lie in one county.
func SameCounty(a, b string) bool {
	ma, okA := load().byCode[a]
	mb, okB := load().byCode[b]
	return okA && okB && ma.CountyCode == mb.CountyCode
}
