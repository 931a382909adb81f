package pipeline

import (
	"fmt"
	"regexp"
	"time"
)

// Period is a calendar quarter, written YYYY-Qn.
type Period struct {
	Year    int
	Quarter int // 1-4
}

var periodPattern = regexp.MustCompile(`^([0-9]{4})-Q([1-4])$`)

// ParsePeriod reads a quarter written YYYY-Qn.
func ParsePeriod(s string) (Period, error) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		return Period{}, Errorf(Invalid, "parse quarter %q: write it as YYYY-Qn, for example 2026-Q3", s)
	}
	var p Period
	fmt.Sscanf(m[1], "%d", &p.Year)
	p.Quarter = int(m[2][0] - '0')
	return p, nil
}

func (p Period) String() string { return fmt.Sprintf("%04d-Q%d", p.Year, p.Quarter) }

// Start is the first day of the quarter.
func (p Period) Start() time.Time {
	return time.Date(p.Year, time.Month(3*(p.Quarter-1)+1), 1, 0, 0, 0, 0, time.UTC)
}

// End is the last day of the quarter.
func (p Period) End() time.Time { return p.Start().AddDate(0, 3, -1) }

// Next is the quarter after p.
func (p Period) Next() Period {
	if p.Quarter == 4 {
		return Period{p.Year + 1, 1}
	}
	return Period{p.Year, p.Quarter + 1}
}

// PeriodOf is the quarter that contains t.
func PeriodOf(t time.Time) Period {
	return Period{t.Year(), (int(t.Month())-1)/3 + 1}
}

// Prev is the quarter before p.
func (p Period) Prev() Period {
	if p.Quarter == 1 {
		return Period{p.Year - 1, 4}
	}
	return Period{p.Year, p.Quarter - 1}
}

// Compare orders quarters: -1 when p is before q, 0 when equal, +1 after.
func (p Period) Compare(q Period) int {
	switch {
	case p.Year != q.Year:
		if p.Year < q.Year {
			return -1
		}
		return 1
	case p.Quarter < q.Quarter:
		return -1
	case p.Quarter > q.Quarter:
		return 1
	}
	return 0
}

// MarshalText writes the quarter as YYYY-Qn, so JSON configuration holds
// quarters as the standard writes them.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a quarter written YYYY-Qn.
func (p *Period) UnmarshalText(b []byte) error {
	q, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
