// Package parse reads the values of a return's cells: dates, whole numbers,
// decimals and money, as the data standard writes them. The parsers work on
// byte slices and never allocate, because they run for every cell of every
// row; they say what is wrong as a Problem so that validation can tell the
// uploader how to fix it.
package parse

import (
	"math"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Problem says why a cell is not a value of the wanted kind.
type Problem int

const (
	OK Problem = iota
	NotADate
	TwoDigitYear
	NoSuchDay       // such as 2026-02-30
	MonthFirst      // such as 07/31/2026: no month 31, the day was written second
	NotANumber      // letters or symbols
	NotWhole        // 2.5 where a whole number is wanted
	TooManyDecimals // 12.345 pounds
	ZonedTime       // 2026-07-03T14:30:00Z: a time zone, and not midnight
)

// Date reads YYYY-MM-DD or day-first DD/MM/YYYY (also with - or . between
// the parts), optionally followed by a time of day. A time without a zone,
// as a spreadsheet exports a date cell, is ignored. A time with a zone (Z or
// an offset), as a CRM exports a date, is taken as the date written only at
// midnight: at any other time the day depends on whose clock
// (2026-07-03T23:30:00-05:00 is 4 July in the UK), so it is ZonedTime.
func Date(b []byte) (pipeline.Days, Problem) {
	b, timeProblem := dropTime(b)
	d, p := date(b)
	if p == OK && timeProblem != OK {
		return 0, timeProblem
	}
	return d, p
}

func date(b []byte) (pipeline.Days, Problem) {
	if len(b) == 10 && b[4] == '-' && b[7] == '-' {
		y, ok1 := digits(b[0:4])
		m, ok2 := digits(b[5:7])
		d, ok3 := digits(b[8:10])
		if !ok1 || !ok2 || !ok3 {
			return 0, NotADate
		}
		return civil(y, m, d)
	}
	// Day first: D/M/YYYY with one or two digits for day and month.
	var parts [3][]byte
	n, start := 0, 0
	var sep byte
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] >= '0' && b[i] <= '9' {
			continue
		}
		if i < len(b) {
			if b[i] != '/' && b[i] != '-' && b[i] != '.' || (sep != 0 && b[i] != sep) {
				return 0, NotADate
			}
			sep = b[i]
		}
		if n == 3 || i == start {
			return 0, NotADate
		}
		parts[n] = b[start:i]
		n++
		start = i + 1
	}
	if n != 3 || len(parts[0]) > 2 || len(parts[1]) > 2 {
		return 0, NotADate
	}
	d, _ := digits(parts[0])
	m, _ := digits(parts[1])
	switch len(parts[2]) {
	case 4:
	case 2:
		return 0, TwoDigitYear
	default:
		return 0, NotADate
	}
	y, _ := digits(parts[2])
	if m > 12 && d <= 12 && m <= 31 {
		return 0, MonthFirst
	}
	return civil(y, m, d)
}

func civil(y, m, d int) (pipeline.Days, Problem) {
	if m < 1 || m > 12 || d < 1 || d > pipeline.DaysIn(y, m) {
		return 0, NoSuchDay
	}
	return pipeline.CivilDays(y, m, d), OK
}

// dropTime removes a trailing time of day (" 13:45", " 00:00:00",
// "T00:00:00.000", "T00:00:00Z", "T00:00+01:00"). A zoned time other than
// midnight is removed too, with the problem ZonedTime; anything that is not
// a time is left for the date to refuse.
func dropTime(b []byte) ([]byte, Problem) {
	for i := 8; i < len(b); i++ {
		if b[i] != ' ' && b[i] != 'T' {
			continue
		}
		t := b[i+1:]
		zoned := false
		if n := len(t); n > 0 && (t[n-1] == 'Z' || t[n-1] == 'z') {
			t, zoned = t[:n-1], true
		} else if n > 5 {
			for j := n - 1; j >= 5; j-- {
				if t[j] == '+' || t[j] == '-' {
					if !validZone(t[j+1:]) {
						return b, OK
					}
					t, zoned = t[:j], true
					break
				}
			}
		}
		fracZero := true
		if len(t) > 9 && t[8] == '.' {
			for _, c := range t[9:] {
				if c < '0' || c > '9' {
					return b, OK
				}
				fracZero = fracZero && c == '0'
			}
			t = t[:8]
		}
		if len(t) != 5 && len(t) != 8 {
			return b, OK
		}
		h, ok1 := digits(t[0:2])
		mi, ok2 := digits(t[3:5])
		ok3, s := true, 0
		if len(t) == 8 {
			s, ok3 = digits(t[6:8])
			ok3 = ok3 && t[5] == ':'
		}
		if t[2] != ':' || !ok1 || !ok2 || !ok3 || h >= 24 || mi >= 60 || s >= 60 {
			return b, OK
		}
		if zoned && (h != 0 || mi != 0 || s != 0 || !fracZero) {
			return b[:i], ZonedTime
		}
		return b[:i], OK
	}
	return b, OK
}

// validZone reads an offset's digits: hh, hhmm or hh:mm, at most 14 hours.
func validZone(z []byte) bool {
	var h, m int
	var ok1, ok2 bool
	switch {
	case len(z) == 2:
		h, ok1 = digits(z)
		ok2 = true
	case len(z) == 4:
		h, ok1 = digits(z[:2])
		m, ok2 = digits(z[2:])
	case len(z) == 5 && z[2] == ':':
		h, ok1 = digits(z[:2])
		m, ok2 = digits(z[3:])
	}
	return ok1 && ok2 && h <= 14 && m < 60
}

func digits(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ExcelSerial reads a real Excel date cell's number (days since 1899-12-30,
// or since 1904-01-01 in a workbook using the 1904 system). A fraction is the
// time of day and is ignored. ok is false for anything else.
func ExcelSerial(b []byte, date1904 bool) (pipeline.Days, bool) {
	whole := b
	for i, c := range b {
		if c == '.' {
			whole = b[:i]
			if _, ok := digits(b[i+1:]); !ok {
				return 0, false
			}
			break
		}
	}
	n, ok := digits(whole)
	if !ok || n < 1 || n > 2958465 || len(whole) > 7 {
		return 0, false
	}
	if date1904 {
		return pipeline.Days(n - 24107), true
	}
	// Excel counts a 29 February 1900 that never was; serials from 61 on are
	// right when counted from 1899-12-30.
	if n < 61 {
		n++
	}
	return pipeline.Days(n - 25569), true
}

// Decimal reads a number with an optional leading minus, thousands commas
// placed every three digits and an optional decimal point. It returns the
// value scaled to an integer (units) and the number of decimal places.
func Decimal(b []byte) (units int64, places int, p Problem) {
	if len(b) == 0 {
		return 0, 0, NotANumber
	}
	neg := false
	if b[0] == '-' {
		neg, b = true, b[1:]
	}
	intPart, frac := b, []byte(nil)
	for i, c := range b {
		if c == '.' {
			intPart, frac = b[:i], b[i+1:]
			break
		}
	}
	if len(intPart) == 0 && len(frac) == 0 {
		return 0, 0, NotANumber
	}
	// Commas must group the whole part in threes: 1,234,567.
	group, sawComma := 0, false
	for i := len(intPart) - 1; i >= 0; i-- {
		c := intPart[i]
		switch {
		case c >= '0' && c <= '9':
			group++
		case c == ',' && group == 3 && i > 0:
			group, sawComma = 0, true
		default:
			return 0, 0, NotANumber
		}
		if group > 3 && sawComma {
			return 0, 0, NotANumber
		}
	}
	const maxDigits = 18
	nd := 0
	for _, c := range intPart {
		if c == ',' {
			continue
		}
		if nd > 0 || c != '0' {
			nd++
		}
		if nd > maxDigits {
			return 0, 0, NotANumber
		}
		units = units*10 + int64(c-'0')
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, 0, NotANumber
		}
		if places++; nd+places > maxDigits {
			return 0, 0, NotANumber
		}
		units = units*10 + int64(c-'0')
	}
	if neg {
		units = -units
	}
	return units, places, OK
}

// Whole reads a whole number; 5.0 (as a spreadsheet may write it) is 5.
func Whole(b []byte) (int64, Problem) {
	units, places, p := Decimal(b)
	if p != OK {
		return 0, p
	}
	for ; places > 0; places-- {
		if units%10 != 0 {
			return 0, NotWhole
		}
		units /= 10
	}
	return units, OK
}

// Number reads a decimal number as a float64.
func Number(b []byte) (float64, Problem) {
	units, places, p := Decimal(b)
	if p != OK {
		return 0, p
	}
	f := float64(units)
	for ; places > 0; places-- {
		f /= 10
	}
	return f, OK
}

// Money reads pounds, with or without a £ sign (before or after a minus) and
// thousands commas, and returns pence. More than maxDecimals places is a
// problem.
func Money(b []byte, maxDecimals int) (int64, Problem) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) >= 2 && b[0] == 0xC2 && b[1] == 0xA3 { // £ in UTF-8
		b = b[2:]
		for len(b) > 0 && b[0] == ' ' {
			b = b[1:]
		}
	}
	if neg {
		if len(b) > 0 && b[0] == '-' {
			return 0, NotANumber
		}
	}
	units, places, p := Decimal(b)
	if p != OK {
		return 0, p
	}
	if places > maxDecimals {
		return 0, TooManyDecimals
	}
	for ; places < 2; places++ {
		if units > math.MaxInt64/10 || units < math.MinInt64/10 {
			return 0, NotANumber // more pounds than anyone has
		}
		units *= 10
	}
	for ; places > 2; places-- {
		units /= 10
	}
	if neg {
		units = -units
	}
	return units, OK
}
