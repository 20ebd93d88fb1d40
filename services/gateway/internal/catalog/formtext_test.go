package catalog

import "testing"

// TestFormViolationTextSaysLeaveItEmpty: an optional number's refusal
// reads, beside a web form's field, what the form's user types to leave
// it out; mp's words (ViolationText) keep the 0 its flag takes.
func TestFormViolationTextSaysLeaveItEmpty(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ locale, msg, want string }{
		{"sv", "must be between 1900 and 2010 (volunteers are at least 16), or 0 when not given",
			"måste vara mellan 1900 och 2010 (volontärer är minst 16 år), eller lämna fältet tomt om det inte ska anges"},
		{"sv", "must be between 1900 and 2026, or 0 when not given", "måste vara mellan 1900 och 2026, eller lämna fältet tomt om det inte ska anges"},
		{"en", "must be between 1900 and 2010 (volunteers are at least 16), or 0 when not given",
			"must be between 1900 and 2010 (volunteers are at least 16), or leave the field empty when not given"},
		{"sv", "must be a whole number", "måste vara ett heltal"},
	} {
		if got := FormViolationText(tt.locale, tt.msg); got != tt.want {
			t.Errorf("FormViolationText(%s, %q) = %q, want %q", tt.locale, tt.msg, got, tt.want)
		}
	}
	if got, want := ViolationText("sv", "must be between 1900 and 2026, or 0 when not given"), "måste vara mellan 1900 och 2026, eller 0 om det inte anges"; got != want {
		t.Errorf("mp's words: %q, want %q", got, want)
	}
}
