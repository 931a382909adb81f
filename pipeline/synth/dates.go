package synth

import (
	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// appendISO appends d as YYYY-MM-DD.
func appendISO(b []byte, d pipeline.Days) []byte {
	y, m, day := d.Civil()
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
}

// appendDMY appends d as DD/MM/YYYY, the UK order Excel uses in Britain.
func appendDMY(b []byte, d pipeline.Days) []byte {
	y, m, day := d.Civil()
	return append(b, byte('0'+day/10), byte('0'+day%10), '/', byte('0'+m/10), byte('0'+m%10), '/',
		byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
}

// quarterStart and quarterEnd are the first and last days of a quarter.
func quarterStart(p pipeline.Period) pipeline.Days { return pipeline.DaysOf(p.Start()) }
func quarterEnd(p pipeline.Period) pipeline.Days   { return pipeline.DaysOf(p.End()) }

// periodIndex is the number of quarters from p0 to the quarter holding d
// (negative before p0).
func periodIndex(p0 pipeline.Period, d pipeline.Days) int {
	p := pipeline.PeriodOf(d.Time())
	return (p.Year-p0.Year)*4 + p.Quarter - p0.Quarter
}

// yearsBefore returns the day that is years whole years before d, using
// 28 February for a 29 February that the earlier year lacks, so that a carer
// born on it is never younger than intended.
func yearsBefore(d pipeline.Days, years int) pipeline.Days {
	y, m, day := d.Civil()
	y -= years
	if day > pipeline.DaysIn(y, m) {
		day = pipeline.DaysIn(y, m)
	}
	return pipeline.CivilDays(y, m, day)
}

// excelSerial is the day's number in Excel's 1900 date system.
func excelSerial(d pipeline.Days) int { return int(d) + 25569 }
