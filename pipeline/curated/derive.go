package curated

import "github.com/carer-outcomes/carer-outcomes/pipeline"

// completedYears is the number of whole years from one day to another, as
// age is counted: a carer born on 29 February is a year older on 1 March in
// a common year.
func completedYears(from, to pipeline.Days) int {
	fy, fm, fd := civil(from)
	ty, tm, td := civil(to)
	years := ty - fy
	if tm < fm || tm == fm && td < fd {
		years--
	}
	return years
}

// civil is the calendar date of a day number (Howard Hinnant's
// civil_from_days), without the cost of building a time.Time for every row.
func civil(d pipeline.Days) (y, m, day int) {
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
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, day
}

// inwardLen is the length of a UK postcode's inward code (digit, two letters).
const inwardLen = 3

// appendOutward appends the outward code of a postcode to dst: upper case,
// without spaces, everything but the inward code. It appends nothing when
// there would be nothing left, so the full postcode is never written.
func appendOutward(dst, postcode []byte) []byte {
	n := 0
	for _, c := range postcode {
		if !isSpace(c) {
			n++
		}
	}
	keep := n - inwardLen
	for _, c := range postcode {
		if keep <= 0 {
			break
		}
		if isSpace(c) {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
		keep--
	}
	return dst
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
