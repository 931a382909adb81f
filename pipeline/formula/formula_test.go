package formula

import (
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

func TestRisky(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"empty", "", false},
		{"plain text", "C00123", false},
		{"number", "42", false},
		{"equals", "=1+2", true},
		{"hyperlink", `=HYPERLINK("http://x","y")`, true},
		{"plus", "+44 113", true},
		{"plus alone", "+", true},
		{"at", "@SUM(A1)", true},
		{"tab", "\tx", true},
		{"carriage return", "\rx", true},
		{"equals later", "a=b", false},
		{"leading space then equals", " =1", false},
		{"quote already", "'=1", false},
		{"missing marker", "-", false},
		{"negative integer", "-5", false},
		{"negative decimal", "-3.25", false},
		{"negative with thousands", "-1,000.50", false},
		{"negative millions", "-12,345,678", false},
		{"negative fraction only", "-.5", false},
		{"negative trailing point", "-5.", false},
		{"negative pounds", "-£12.50", false},
		{"negative exponent", "-1.5E-05", false},
		{"negative exponent plus", "-2e+3", false},
		{"minus letters", "-abc", true},
		{"double minus", "--1", true},
		{"minus expression", "-1+2", true},
		{"minus DDE", "-2+3+cmd|' /C calc'!A0", true},
		{"minus point", "-.", true},
		{"minus pound", "-£", true},
		{"minus space", "- 5", true},
		{"minus bad group", "-1,00", true},
		{"minus long group", "-1,0000", true},
		{"minus leading comma", "-,100", true},
		{"minus trailing comma", "-100,", true},
		{"minus four then comma", "-1000,000", true},
		{"minus empty exponent", "-1e", true},
		{"minus two points", "-1.2.3", true},
		{"minus then newline", "-1\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Risky(tt.in); got != tt.want {
				t.Errorf("Risky(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got := RiskyBytes([]byte(tt.in)); got != tt.want {
				t.Errorf("RiskyBytes(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestRisky_Standard checks that this package and the loaded standard agree
// on which first characters are formula prefixes, and that the lone "-" the
// package lets through is one of the standard's missing values.
func TestRisky_Standard(t *testing.T) {
	std := standardtest.Load(t)
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"every standard prefix is risky", func(t *testing.T) {
			for _, p := range std.FormulaPrefixes {
				if !Risky(p + "x") {
					t.Errorf("Risky(%q) = false for the standard's prefix %q", p+"x", p)
				}
			}
		}},
		{"no other first byte is risky", func(t *testing.T) {
			for b := 0; b < 256; b++ {
				s := string([]byte{byte(b), 'x'})
				if Risky(s) != slices.Contains(std.FormulaPrefixes, s[:1]) {
					t.Errorf("Risky(%q) = %v, standard prefixes %q", s, Risky(s), std.FormulaPrefixes)
				}
			}
		}},
		{"package prefixes are the standard's", func(t *testing.T) {
			got := strings.Split(prefixes, "")
			if !slices.Equal(got, std.FormulaPrefixes) {
				t.Errorf("prefixes = %q, standard %q", got, std.FormulaPrefixes)
			}
		}},
		{"lone minus is a missing value", func(t *testing.T) {
			if !slices.Contains(std.MissingValues, missing) {
				t.Errorf("%q is not among the standard's missing values %q", missing, std.MissingValues)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

func TestNeutralise(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"text", "Female", "Female"},
		{"negative number", "-1,000.50", "-1,000.50"},
		{"missing marker", "-", "-"},
		{"formula", "=1+2", "'=1+2"},
		{"plus", "+1", "'+1"},
		{"at", "@x", "'@x"},
		{"minus text", "-abc", "'-abc"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r", "'\r"},
		{"already neutral", "'=1", "'=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Neutralise(tt.in); got != tt.want {
				t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNeutralise_Allocations(t *testing.T) {
	tests := []struct{ name, in string }{
		{"text", "Employed part-time (under 30 hours a week)"},
		{"negative number", "-1,000.50"},
		{"missing marker", "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := []byte(tt.in)
			n := testing.AllocsPerRun(100, func() {
				_ = Neutralise(tt.in)
				_ = RiskyBytes(b)
			})
			if n != 0 {
				t.Errorf("%q: %v allocations, want 0", tt.in, n)
			}
		})
	}
}

func FuzzNeutralise(f *testing.F) {
	for _, s := range []string{"", "-", "-5", "-1,000.50", "-£3", "=1", "+", "@", "\t", "\r", "-abc", "--1", "'=1", "-1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Neutralise(s)
		if Risky(n) {
			t.Errorf("Neutralise(%q) = %q is still risky", s, n)
		}
		if again := Neutralise(n); again != n {
			t.Errorf("Neutralise is not idempotent on %q: %q then %q", s, n, again)
		}
		if !Risky(s) && n != s {
			t.Errorf("Neutralise changed the harmless %q to %q", s, n)
		}
		if Risky(s) && n != "'"+s {
			t.Errorf("Neutralise(%q) = %q, want a quote before it", s, n)
		}
		if Risky(s) != RiskyBytes([]byte(s)) {
			t.Errorf("Risky and RiskyBytes disagree on %q", s)
		}
	})
}
