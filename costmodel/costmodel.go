// Package costmodel holds the versioned cost model that the fiscal savings of
// metrics.md section 7 use. Each version is a JSON file in this folder,
// embedded in the binary; a version is never edited once a report used it.
package costmodel

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
)

//go:embed v*.json
var files embed.FS

// Latest is the version a report uses unless it names another.
const Latest = "v1"

// Value is one monetary or rate parameter with where it came from.
type Value struct {
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	PriceYear string  `json:"priceYear"`
	Source    string  `json:"source"`
}

// Range is an assumed share given low, central and high, where low is the
// case least favourable to the service.
type Range struct {
	Low     float64 `json:"low"`
	Central float64 `json:"central"`
	High    float64 `json:"high"`
	Unit    string  `json:"unit"`
	Source  string  `json:"source"`
}

// Model is one version of the cost model.
type Model struct {
	Version            string `json:"version"`
	Description        string `json:"description"`
	Currency           string `json:"currency"`
	JobStartYearlyGain Value  `json:"jobStartYearlyGain"` // a workless person moving into work
	JobKeptYearlyCost  Value  `json:"jobKeptYearlyCost"`  // a carer leaving work, avoided when a job is kept
	Deadweight         Range  `json:"deadweight"`
	Attribution        Range  `json:"attribution"`
	DiscountRate       Value  `json:"discountRate"`
}

// Load returns the named version of the model, checked.
func Load(version string) (*Model, error) {
	b, err := files.ReadFile(version + ".json")
	if err != nil {
		return nil, fmt.Errorf("costmodel: no version %q", version)
	}
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("costmodel %s: %w", version, err)
	}
	if err := m.check(version); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Model) check(version string) error {
	if m.Version != version {
		return fmt.Errorf("costmodel %s: the file says version %q", version, m.Version)
	}
	if m.Currency != "GBP" {
		return fmt.Errorf("costmodel %s: currency %q, want GBP", version, m.Currency)
	}
	for name, v := range map[string]Value{"jobStartYearlyGain": m.JobStartYearlyGain, "jobKeptYearlyCost": m.JobKeptYearlyCost, "discountRate": m.DiscountRate} {
		if !(v.Value > 0) || math.IsInf(v.Value, 0) || v.Unit == "" || v.PriceYear == "" || v.Source == "" {
			return fmt.Errorf("costmodel %s: %s needs a positive value, a unit, a price year and a source", version, name)
		}
	}
	for name, r := range map[string]Range{"deadweight": m.Deadweight, "attribution": m.Attribution} {
		for _, v := range []float64{r.Low, r.Central, r.High} {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("costmodel %s: %s shares must be from 0 to 1", version, name)
			}
		}
		if r.Unit == "" || r.Source == "" {
			return fmt.Errorf("costmodel %s: %s needs a unit and a source", version, name)
		}
	}
	// Low is the case least favourable to the service: most deadweight,
	// least attribution.
	if !(m.Deadweight.Low >= m.Deadweight.Central && m.Deadweight.Central >= m.Deadweight.High) {
		return fmt.Errorf("costmodel %s: deadweight must fall from low to high", version)
	}
	if !(m.Attribution.Low <= m.Attribution.Central && m.Attribution.Central <= m.Attribution.High) {
		return fmt.Errorf("costmodel %s: attribution must rise from low to high", version)
	}
	return nil
}

// NetFactor is (1 − deadweight) × attribution for one case: "low",
// "central" or "high".
func (m *Model) NetFactor(c string) (float64, error) {
	switch c {
	case "low":
		return (1 - m.Deadweight.Low) * m.Attribution.Low, nil
	case "central":
		return (1 - m.Deadweight.Central) * m.Attribution.Central, nil
	case "high":
		return (1 - m.Deadweight.High) * m.Attribution.High, nil
	}
	return 0, fmt.Errorf("costmodel: no case %q", c)
}
