// Package formula protects spreadsheets from formula injection. The standard
// says a cell that starts like a formula is taken as text, never evaluated,
// and neutralised wherever it is written back out (templates, error reports,
// CSV extracts): an uploader's "=HYPERLINK(…)" must not come alive in the
// spreadsheet of whoever opens one of our files.
//
// The prefixes are those of the standard's formulaPrefixes; a test checks
// that this package and the loaded standard agree, so that the two cannot
// drift apart silently.
package formula

import "strings"

// prefixes are the first characters that make a spreadsheet treat a cell as a
// formula (or as a DDE payload): =, +, -, @, tab and carriage return.
const prefixes = "=+-@\t\r"

// missing is the standard's one missing-value marker that starts with a
// prefix: a lone "-" is not a formula and stays as it is.
const missing = "-"

// Risky reports whether a spreadsheet could evaluate s as a formula: s starts
// with =, +, @, a tab or a carriage return, or with - when s is not a number.
//
// Numbers that start with - are not risky: "-5", "-3.25", "-.5",
// "-1,000.50" (thousands commas in groups of three), "-£12.50" and "-1.5E-05".
// A lone "-" is not risky either: it is the standard's missing-value marker,
// and a spreadsheet shows it as it is. Anything else that starts with - is
// risky ("-abc", "--1", "-1+2", "-1,00"). Only the first byte counts, as
// the standard says: " =1" (a space first) is not risky.
func Risky(s string) bool { return risky(s) }

// RiskyBytes is Risky for a cell that has not been converted to a string,
// for readers that look at every cell of a file and should not allocate.
func RiskyBytes(b []byte) bool { return risky(b) }

// Neutralise returns s unchanged when it is not Risky, and otherwise prefixed
// with a single quote, which a spreadsheet takes as "this cell is text" (the
// OWASP recommendation for CSV injection). It does not allocate for a cell
// that is not risky. Its output is never Risky, so Neutralise(Neutralise(s))
// equals Neutralise(s).
func Neutralise(s string) string {
	if !risky(s) {
		return s
	}
	return "'" + s
}

func risky[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	if strings.IndexByte(prefixes, s[0]) < 0 {
		return false
	}
	if s[0] == '-' {
		return string(s) != missing && !isNumber(s[1:])
	}
	return true
}

// isNumber reports whether s (what follows a leading -) is an unsigned
// decimal number: an optional £, digits with optional thousands commas in
// groups of three, an optional fraction and an optional exponent. At least
// one digit is needed before or after the decimal point.
func isNumber[T string | []byte](s T) bool {
	i := 0
	if len(s) >= 2 && s[0] == 0xC2 && s[1] == 0xA3 { // £ in UTF-8
		i = 2
	}
	// Integer part: digits, or 1-3 digits followed by ,ddd groups.
	start, group, commas := i, 0, false
integer:
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			group++
			if commas && group > 3 {
				return false
			}
		case c == ',':
			if group == 0 || (commas && group != 3) || (!commas && group > 3) {
				return false
			}
			commas, group = true, 0
		default:
			break integer
		}
	}
	if commas && group != 3 {
		return false
	}
	digits := i > start
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		digits = digits || i > f
	}
	if !digits {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		e := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == e {
			return false
		}
	}
	return i == len(s)
}
