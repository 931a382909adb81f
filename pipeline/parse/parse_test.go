package parse

import (
	"strconv"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// day computes the expected day number with the time package, independently
// of pipeline.CivilDays.
func day(y int, m time.Month, d int) pipeline.Days {
	return pipeline.Days(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func TestDate(t *testing.T) {
	tests := []struct {
		in   string
		want pipeline.Days
		p    Problem
	}{
		{"2026-07-31", day(2026, 7, 31), OK},
		{"31/07/2026", day(2026, 7, 31), OK},
		{"1/7/2026", day(2026, 7, 1), OK},
		{"01-07-2026", day(2026, 7, 1), OK},
		{"01.07.2026", day(2026, 7, 1), OK},
		{"29/02/2024", day(2024, 2, 29), OK},
		{"2026-07-31 00:00:00", day(2026, 7, 31), OK},
		{"31/07/2026 13:45", day(2026, 7, 31), OK},
		{"2026-07-31T00:00:00", day(2026, 7, 31), OK},
		{"1969-12-31", day(1969, 12, 31), OK},
		{"07/31/2026", 0, MonthFirst},
		{"31/07/26", 0, TwoDigitYear},
		{"29/02/2026", 0, NoSuchDay},
		{"2026-02-30", 0, NoSuchDay},
		{"2026-13-01", 0, NoSuchDay},
		{"00/01/2026", 0, NoSuchDay},
		{"31/13/2026", 0, NoSuchDay},
		{"31/07/02026", 0, NotADate},
		{"31-07/2026", 0, NotADate},
		{"2026/07/31", 0, NotADate},
		{"July 31 2026", 0, NotADate},
		{"46234", 0, NotADate},
		{"", 0, NotADate},
		{"//", 0, NotADate},
		{"2026-07-31 25:00", 0, NotADate},
		// A CRM's date export: a date-time with a zone is the date written,
		// at midnight only.
		{"2025-03-03T00:00:00Z", day(2025, 3, 3), OK},
		{"2025-03-03T00:00:00.000Z", day(2025, 3, 3), OK},
		{"2025-03-03T00:00Z", day(2025, 3, 3), OK},
		{"2025-03-03T00:00:00+01:00", day(2025, 3, 3), OK},
		{"2025-03-03T00:00:00-05:00", day(2025, 3, 3), OK},
		{"2025-03-03T00:00:00+0100", day(2025, 3, 3), OK},
		{"2025-03-03T00:00:00+01", day(2025, 3, 3), OK},
		{"03/03/2025 00:00:00Z", day(2025, 3, 3), OK},
		{"2025-03-03T00:00:00.5Z", 0, ZonedTime},
		{"2025-03-03T14:30:00Z", 0, ZonedTime},
		{"2025-03-03T23:30:00-05:00", 0, ZonedTime},
		{"2025-03-03T00:00:01+01:00", 0, ZonedTime},
		{"2025-03-03T00:01Z", 0, ZonedTime},
		{"2025-02-30T00:00:00Z", 0, NoSuchDay},
		{"2025-03-03T00:00:00+25:00", 0, NotADate},
		{"2025-03-03T00:00:00+1", 0, NotADate},
		{"2025-03-03T00:00:00ZZ", 0, NotADate},
		{"2025-03-03T00:00:00.00x", 0, NotADate},
		// Without a zone a time of day is ignored, as before.
		{"2025-03-03T14:30:00", day(2025, 3, 3), OK},
		{"2025-03-03 14:30:00.250", day(2025, 3, 3), OK},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, p := Date([]byte(tt.in))
			if p != tt.p || got != tt.want {
				t.Errorf("Date(%q) = %v, %v; want %v, %v", tt.in, got, p, tt.want, tt.p)
			}
		})
	}
}

func TestExcelSerial(t *testing.T) {
	tests := []struct {
		in       string
		date1904 bool
		want     pipeline.Days
		ok       bool
	}{
		// Excel shows serial 46234 as 2026-07-31 and 36526 as 2000-01-01.
		{"46234", false, day(2026, 7, 31), true},
		{"36526", false, day(2000, 1, 1), true},
		{"46234.75", false, day(2026, 7, 31), true},
		{"61", false, day(1900, 3, 1), true},
		{"59", false, day(1900, 2, 28), true},
		// In the 1904 system serial 0 is 1904-01-01.
		{"44772", true, day(2026, 7, 31), true},
		{"0", false, 0, false},
		{"-5", false, 0, false},
		{"3000000", false, 0, false},
		{"12a", false, 0, false},
		{"1.2.3", false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ExcelSerial([]byte(tt.in), tt.date1904)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ExcelSerial(%q, %v) = %v, %v; want %v, %v", tt.in, tt.date1904, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestWhole(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		p    Problem
	}{
		{"35", 35, OK}, {"0", 0, OK}, {"-4", -4, OK}, {"5.0", 5, OK}, {"5.00", 5, OK},
		{"1,200", 1200, OK}, {"1,234,567", 1234567, OK},
		{"2.5", 0, NotWhole}, {"1,20", 0, NotANumber}, {"1234,567", 0, NotANumber}, {",123", 0, NotANumber},
		{"12a", 0, NotANumber}, {"+5", 0, NotANumber}, {"", 0, NotANumber}, {"-", 0, NotANumber},
		{"1e3", 0, NotANumber}, {"99999999999999999999", 0, NotANumber}, {"--1", 0, NotANumber},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, p := Whole([]byte(tt.in))
			if p != tt.p || got != tt.want {
				t.Errorf("Whole(%q) = %v, %v; want %v, %v", tt.in, got, p, tt.want, tt.p)
			}
		})
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		p    Problem
	}{
		{"2.5", 2.5, OK}, {".5", 0.5, OK}, {"5.", 5, OK}, {"1,000.25", 1000.25, OK}, {"-0.75", -0.75, OK},
		{".", 0, NotANumber}, {"2,5", 0, NotANumber}, {"2.5.1", 0, NotANumber}, {"£2", 0, NotANumber},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, p := Number([]byte(tt.in))
			if p != tt.p || got != tt.want {
				t.Errorf("Number(%q) = %v, %v; want %v, %v", tt.in, got, p, tt.want, tt.p)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		p    Problem
	}{
		{"1234.50", 123450, OK}, {"£1,234.50", 123450, OK}, {"£ 1,234.5", 123450, OK}, {"12", 1200, OK},
		{"-£5", -500, OK}, {"£-5", -500, OK}, {"0.01", 1, OK}, {"1,000,000", 100000000, OK},
		{"12.345", 0, TooManyDecimals}, {"£", 0, NotANumber}, {"12 pounds", 0, NotANumber}, {"$12", 0, NotANumber},
		{"-£-5", 0, NotANumber}, {"(12.00)", 0, NotANumber}, {"92270000000000000", 0, NotANumber},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, p := Money([]byte(tt.in), 2)
			if p != tt.p || got != tt.want {
				t.Errorf("Money(%q) = %v, %v; want %v, %v", tt.in, got, p, tt.want, tt.p)
			}
		})
	}
}

// FuzzDate checks that any input either parses to a real day that reads back
// the same, or is refused, and never panics.
func FuzzDate(f *testing.F) {
	for _, s := range []string{"2026-07-31", "31/07/2026", "07/31/2026", "31/07/26", "29/02/2024", "1/1/2000 00:00", "2026-07-31T13:00:00", "2025-03-03T00:00:00Z", "2025-03-03T00:00:00.000+01:00", "2025-03-03T14:30:00-05:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, p := Date([]byte(s))
		if p != OK {
			return
		}
		y, m, dd := d.Time().Date()
		if dd < 1 || dd > pipeline.DaysIn(y, int(m)) {
			t.Fatalf("Date(%q) = %v: not a real day", s, d)
		}
		iso := d.String()
		if len(iso) == 10 {
			if back, p := Date([]byte(iso)); p != OK || back != d {
				t.Fatalf("Date(%q) = %v, but %s reads back as %v, %v", s, d, iso, back, p)
			}
		}
	})
}

// FuzzNumbers checks that whole numbers, decimals and money agree with each
// other and with strconv on what they accept.
func FuzzNumbers(f *testing.F) {
	for _, s := range []string{"35", "1,200", "2.5", "-0.75", "£1,234.50", "12.345", "1e3", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		n, pn := Whole(b)
		x, px := Number(b)
		if pn == OK {
			if px != OK || float64(n) != x {
				t.Fatalf("Whole(%q) = %d but Number = %v, %v", s, n, x, px)
			}
		}
		if px == OK {
			plain := make([]byte, 0, len(b))
			for _, c := range b {
				if c != ',' {
					plain = append(plain, c)
				}
			}
			want, err := strconv.ParseFloat(string(plain), 64)
			if err != nil || diff(want, x) > 1e-9*max(1, abs(want)) {
				t.Fatalf("Number(%q) = %v; strconv says %v, %v", s, x, want, err)
			}
			if pence, p := Money(b, 2); p == OK && diff(float64(pence)/100, x) > 1e-6*max(1, abs(x)) {
				t.Fatalf("Money(%q) = %d pence but Number = %v", s, pence, x)
			}
		}
	})
}

func diff(a, b float64) float64 { return abs(a - b) }

func abs(a float64) float64 {
	if a < 0 {
		return -a
	}
	return a
}
