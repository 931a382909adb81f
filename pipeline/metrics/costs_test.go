package metrics

import (
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

func TestWholeMonths(t *testing.T) {
	tests := []struct {
		from, to [3]int
		want     int
	}{
		{[3]int{2026, 6, 30}, [3]int{2026, 12, 30}, 6},
		{[3]int{2026, 6, 30}, [3]int{2026, 12, 29}, 5},
		{[3]int{2026, 3, 31}, [3]int{2026, 4, 30}, 1}, // a month's last day completes it
		{[3]int{2026, 3, 31}, [3]int{2026, 4, 29}, 0},
		{[3]int{2026, 12, 31}, [3]int{2027, 2, 28}, 2},
		{[3]int{2026, 6, 30}, [3]int{2026, 6, 30}, 0},
		{[3]int{2026, 6, 30}, [3]int{2026, 1, 1}, 0}, // funding already ended
	}
	for _, tt := range tests {
		from := pipeline.CivilDays(tt.from[0], tt.from[1], tt.from[2])
		to := pipeline.CivilDays(tt.to[0], tt.to[1], tt.to[2])
		if got := wholeMonths(from, to); got != tt.want {
			t.Errorf("wholeMonths(%v, %v) = %d, want %d", from, to, got, tt.want)
		}
	}
}

func TestFirstOfFour(t *testing.T) {
	for _, tt := range []struct{ p, want pipeline.Period }{
		{pipeline.Period{Year: 2026, Quarter: 2}, pipeline.Period{Year: 2025, Quarter: 3}},
		{pipeline.Period{Year: 2026, Quarter: 4}, pipeline.Period{Year: 2026, Quarter: 1}},
		{pipeline.Period{Year: 2026, Quarter: 1}, pipeline.Period{Year: 2025, Quarter: 2}},
	} {
		if got := firstOfFour(tt.p); got != tt.want {
			t.Errorf("firstOfFour(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}
