package municipality

import "testing"

func TestTable(t *testing.T) {
	t.Parallel()
	if got, want := len(All()), 290; got != want {
		t.Fatalf("municipalities=%d, want %d", got, want)
	}
	tests := []struct {
		code, name, county string
		ok                 bool
	}{
		{"0180", "Stockholm", "01", true},
		{"1480", "Göteborg", "14", true},
		{"0880", "Kalmar", "08", true},
		{"9999", "", "", false},
		{"180", "", "", false},
	}
	for _, tt := range tests {
		m, ok := Lookup(tt.code)
		if ok != tt.ok || m.Name != tt.name || m.CountyCode != tt.county {
			t.Errorf("Lookup(%q)=%+v,%v, want %s/%s,%v", tt.code, m, ok, tt.name, tt.county, tt.ok)
		}
	}
	if !SameCounty("0180", "0114") || SameCounty("0180", "1480") {
		t.Error("SameCounty wrong")
	}
}

// TestByName: names as people type them find their municipality; what
// only looks like one does not.
func TestByName(t *testing.T) {
	for _, tc := range []struct{ typed, code string }{
		{"Stockholm", "0180"},
		{"  malmö KOMMUN ", "1280"},
		{"Malmo\u0308", "1280"}, // decomposed ö
		{"Upplands  Väsby", "0114"},
		{"Kalmar kommun", "0880"},
	} {
		m, ok := ByName(tc.typed)
		if !ok || m.Code != tc.code {
			t.Errorf("ByName(%q) = %v %v, want %s", tc.typed, m, ok, tc.code)
		}
	}
	for _, typed := range []string{"", "kommun", "Stockholms län", "0180", "Malmöö"} {
		if m, ok := ByName(typed); ok {
			t.Errorf("ByName(%q) = %v, want none", typed, m)
		}
	}
}
