package costmodel

import (
	"math"
	"testing"
)

func TestLoadV1(t *testing.T) {
	m, err := Load(Latest)
	if err != nil {
		t.Fatal(err)
	}
	// The defaults of metrics.md section 7.
	checks := []struct {
		name      string
		got, want float64
	}{
		{"job start", m.JobStartYearlyGain.Value, 6897},
		{"job kept", m.JobKeptYearlyCost.Value, 8406},
		{"deadweight low", m.Deadweight.Low, 0.40},
		{"deadweight central", m.Deadweight.Central, 0.25},
		{"deadweight high", m.Deadweight.High, 0.10},
		{"attribution low", m.Attribution.Low, 0.50},
		{"attribution central", m.Attribution.Central, 0.75},
		{"attribution high", m.Attribution.High, 1},
		{"discount", m.DiscountRate.Value, 0.035},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for c, want := range map[string]float64{"low": 0.3, "central": 0.5625, "high": 0.9} {
		got, err := m.NetFactor(c)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("NetFactor(%s) = %v, %v; want %v", c, got, err, want)
		}
	}
	if _, err := m.NetFactor("median"); err == nil {
		t.Error("NetFactor(median): no error")
	}
}

func TestLoadMissing(t *testing.T) {
	if _, err := Load("v0"); err == nil {
		t.Error("Load(v0): no error")
	}
}
