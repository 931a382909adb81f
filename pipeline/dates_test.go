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
