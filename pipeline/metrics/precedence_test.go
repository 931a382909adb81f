package metrics

import (
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// TestLaterFollowup is docs/surveys.md's precedence between returned rows
// and survey responses for the same carer and wave, for a Followup and for
// the Index's compact answer.
func TestLaterFollowup(t *testing.T) {
	q2, q3 := pipeline.Period{Year: 2026, Quarter: 2}, pipeline.Period{Year: 2026, Quarter: 3}
	ret := func(p pipeline.Period, row int, date pipeline.Days) Followup {
		return Followup{Return: p, Row: row, Date: date}
	}
	survey := func(p pipeline.Period, row int, date pipeline.Days) Followup {
		return Followup{Return: p, Row: row, Date: date, Survey: true}
	}
	jul1, jul2 := pipeline.CivilDays(2026, 7, 1), pipeline.CivilDays(2026, 7, 2)
	tests := []struct {
		name string
		f, g Followup
		want bool // f after g
	}{
		{"a later quarter's response after a return", survey(q3, 1, jul1), ret(q2, 9, jul1), true},
		{"a return after the responses of its quarter", ret(q3, 2, jul1), survey(q3, 50, jul2), true},
		{"a response before the return of its quarter", survey(q3, 50, jul2), ret(q3, 2, jul1), false},
		{"within a return, the later row, whatever the dates", ret(q3, 3, jul1), ret(q3, 2, jul2), true},
		{"responses: the later survey date, received earlier", survey(q3, 1, jul2), survey(q3, 2, jul1), true},
		{"responses on one day: the one received later", survey(q3, 2, jul1), survey(q3, 1, jul1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := laterFollowup(&tt.f, &tt.g); got != tt.want {
				t.Fatalf("laterFollowup = %v, want %v", got, tt.want)
			}
			if tt.want && laterFollowup(&tt.g, &tt.f) {
				t.Fatal("both come after the other")
			}
			// The Index's compact follow-ups order the same way.
			f := answer{seq: followupSeq(&tt.f), date: tt.f.Date}
			g := answer{seq: followupSeq(&tt.g), date: tt.g.Date}
			if f.came(&g) != tt.want || g.came(&f) != !tt.want {
				t.Fatalf("answer.came = %v, reversed %v; want %v", f.came(&g), g.came(&f), tt.want)
			}
		})
	}
}
