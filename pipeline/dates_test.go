package pipeline

import (
	"testing"
	"time"
)

func TestDays_Civil(t *testing.T) {
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct{ name, from, to string }{
		{"around the epoch", "1969-01-01", "1971-12-31"},
		{"the years of carers' births", "1900-01-01", "2010-12-31"},
		{"leap centuries", "2099-12-25", "2101-03-05"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from, _ := time.Parse(time.DateOnly, tt.from)
			to, _ := time.Parse(time.DateOnly, tt.to)
			for d := Days(from.Sub(epoch).Hours() / 24); d <= Days(to.Sub(epoch).Hours()/24); d++ {
				wy, wm, wd := d.Time().Date()
				if y, m, day := d.Civil(); y != wy || m != int(wm) || day != wd {
					t.Fatalf("Civil(%d) = %d-%d-%d, want %s", d, y, m, day, d)
				}
			}
		})
	}
}

func TestCompletedYears(t *testing.T) {
	tests := []struct {
		from, to string
		want     int
	}{
		{"2000-07-01", "2025-07-01", 25},
		{"2000-07-02", "2025-07-01", 24},
		{"2000-02-29", "2025-02-28", 24},
		{"2000-02-29", "2025-03-01", 25},
		{"2000-02-29", "2024-02-29", 24},
		{"2000-12-31", "2001-01-01", 0},
	}
	for _, tt := range tests {
		t.Run(tt.from+"/"+tt.to, func(t *testing.T) {
			f, _ := time.Parse(time.DateOnly, tt.from)
			to, _ := time.Parse(time.DateOnly, tt.to)
			if got := CompletedYears(DaysOf(f), DaysOf(to)); got != tt.want {
				t.Errorf("CompletedYears = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPeriod_Compare(t *testing.T) {
	q := func(y, n int) Period { return Period{y, n} }
	tests := []struct {
		a, b Period
		want int
	}{
		{q(2026, 1), q(2026, 2), -1},
		{q(2026, 4), q(2027, 1), -1},
		{q(2027, 1), q(2026, 4), 1},
		{q(2026, 3), q(2026, 3), 0},
	}
	for _, tt := range tests {
		t.Run(tt.a.String()+" "+tt.b.String(), func(t *testing.T) {
			if got := tt.a.Compare(tt.b); got != tt.want {
				t.Errorf("Compare = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPeriod_PrevNext(t *testing.T) {
	for _, s := range []string{"2026-Q1", "2026-Q2", "2026-Q4", "2000-Q1"} {
		t.Run(s, func(t *testing.T) {
			p, err := ParsePeriod(s)
			if err != nil {
				t.Fatal(err)
			}
			if p.Prev().Next() != p || p.Next().Prev() != p {
				t.Errorf("Prev/Next of %v do not invert", p)
			}
			if p.Prev().Compare(p) != -1 || p.Next().Compare(p) != 1 {
				t.Errorf("Prev %v or Next %v of %v out of order", p.Prev(), p.Next(), p)
			}
		})
	}
	if got := (Period{2026, 1}).Prev(); got != (Period{2025, 4}) {
		t.Errorf("2026-Q1.Prev = %v, want 2025-Q4", got)
	}
}

func TestPeriod_Text(t *testing.T) {
	var p Period
	if err := p.UnmarshalText([]byte("2025-Q4")); err != nil || p != (Period{2025, 4}) {
		t.Fatalf("UnmarshalText = %v, %v", p, err)
	}
	if err := p.UnmarshalText([]byte("2025-Q0")); err == nil {
		t.Error("UnmarshalText accepted 2025-Q0")
	}
	b, _ := p.MarshalText()
	if string(b) != "2025-Q4" {
		t.Errorf("MarshalText = %s", b)
	}
}
