package reportpage

import (
	"fmt"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// costs is metrics.md section 7: delivery cost against fiscal savings.
func costs(fs *figureSet) (*section, error) {
	net := func(k string) string { return metrics.ID(metrics.SavingsNet, k) }
	s := simpleSection(fs, "cost-and-savings", "Cost against savings", "Delivery cost and fiscal savings over the four quarters",
		[]string{"Delivery cost over the four quarters, and savings to the public purse from sustained outcomes only, net of deadweight and attribution (low, central and high assumptions)."},
		[]item{
			{metrics.CostPerCarerSupported, "Cost per carer supported"},
			{metrics.CostPerHardOutcome, "Cost per hard outcome"},
			{metrics.CostPerSustainedJobW26, "Cost per job sustained at 26 weeks"},
			{metrics.FundingRunwayMonths, "Months of funding secured"},
			{metrics.SavingsGross, "Gross fiscal saving"},
			{net("low"), "Net fiscal saving, low"},
			{net("central"), "Net fiscal saving, central"},
			{net("high"), "Net fiscal saving, high"},
			{metrics.SavingsRatioCentral, "Pounds saved per pound spent (central)"},
		})
	if missing := fs.r.MissingFinance; len(missing) > 0 {
		note := fmt.Sprintf("Cost and savings figures leave out %s: a finance return is missing for one of the four quarters.", clean(strings.Join(missing, ", ")))
		if s == nil {
			s = &section{ID: "cost-and-savings", Title: "Cost against savings"}
		}
		s.Notes = append(s.Notes, note)
	}
	if s == nil {
		return nil, nil
	}
	// The chart: delivery cost (the numerator of a cost per unit) beside the
	// net savings.
	var labels []string
	var vals []float64
	for _, id := range []string{metrics.CostPerCarerSupported, metrics.CostPerHardOutcome, metrics.CostPerSustainedJobW26} {
		if f := fs.get(id); f != nil && !f.Suppressed && f.Numerator != nil {
			labels, vals = append(labels, "Delivery cost"), append(vals, *f.Numerator)
			break
		}
	}
	for _, it := range []item{{net("low"), "Net saving, low"}, {net("central"), "Net saving, central"}, {net("high"), "Net saving, high"}} {
		if f := fs.get(it.id); f != nil && !f.Suppressed && f.Value != nil {
			labels, vals = append(labels, it.label), append(vals, *f.Value)
		}
	}
	if len(labels) > 1 && labels[0] == "Delivery cost" {
		svg, err := barChart("chart-cost", labels, []string{"Pounds"}, [][]float64{vals}, false, "£", []string{"#1d4f91"}, "Pounds")
		if err != nil {
			return nil, err
		}
		s.Charts = append(s.Charts, chart{ID: "chart-cost", SVG: svg, Caption: "Delivery cost over the four quarters against net fiscal savings (pounds)"})
	}
	return s, nil
}
