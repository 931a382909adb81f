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

// Civil returns the calendar date of the day (Howard Hinnant's
// civil_from_days), the inverse of CivilDays, without building a time.Time:
// it runs for every date of every row.
func (d Days) Civil() (y, m, day int) {
	z := int(d) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, day
}

// CompletedYears is the number of whole years from one day to another, as
// age is counted: someone born on 29 February is a year older on 1 March in
// a common year.
func CompletedYears(from, to Days) int {
	fy, fm, fd := from.Civil()
	ty, tm, td := to.Civil()
	years := ty - fy
	if tm < fm || tm == fm && td < fd {
		years--
	}
	return years
}
