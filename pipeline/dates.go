package pipeline

import "time"

// Days counts days since 1970-01-01, the representation dates have in the
// lake (Parquet DATE) and in validation, where comparing two int32s is
// cheaper than comparing times.
type Days int32

var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// DaysOf returns the day of t (its UTC calendar date).
func DaysOf(t time.Time) Days {
	y, m, d := t.Date()
	return CivilDays(y, int(m), d)
}

// CivilDays returns the day number of a proleptic Gregorian date. It does not
// check that the date exists.
func CivilDays(y, m, d int) Days {
	// Howard Hinnant's days_from_civil.
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Days(era*146097 + doe - 719468)
}

// Time is the day as midnight UTC.
func (d Days) Time() time.Time { return epoch.AddDate(0, 0, int(d)) }

// String writes the day as YYYY-MM-DD.
func (d Days) String() string { return d.Time().Format(time.DateOnly) }

// DaysIn returns the number of days in a month.
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
