package reportpage

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// Value formats a figure's value as the page shows it: a rate as a
// percentage with one decimal and its interval in brackets, a count as a
// whole number with thousands commas, money as pounds, a mean change and a
// difference with their sign and interval. A suppressed figure is
// Suppressed; a figure with no value is "no value".
func Value(f metrics.Figure) string {
	if f.Suppressed {
		return Suppressed
	}
	if f.Value == nil || math.IsNaN(*f.Value) || math.IsInf(*f.Value, 0) {
		return "no value"
	}
	v := *f.Value
	ci := f.CILow != nil && f.CIHigh != nil
	switch f.Unit {
	case metrics.UnitRate:
		s := pct(v, 1)
		if ci {
			s += fmt.Sprintf(" (%s–%s)", pct(*f.CILow, 1), pct(*f.CIHigh, 1))
		}
		return s
	case metrics.UnitCount:
		return num(v)
	case metrics.UnitGBP:
		return money(v)
	case metrics.UnitRatio:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case metrics.UnitMeanChange:
		s := signed(v, 2)
		if ci {
			s += fmt.Sprintf(" (%s to %s)", signed(*f.CILow, 2), signed(*f.CIHigh, 2))
		}
		return s
	case metrics.UnitDifference:
		s := signed(100*v, 1) + " percentage points"
		if ci {
			s += fmt.Sprintf(" (%s to %s)", signed(100**f.CILow, 1), signed(100**f.CIHigh, 1))
		}
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// pct writes a proportion as a percentage.
func pct(v float64, dec int) string {
	return minus(strconv.FormatFloat(100*v, 'f', dec, 64)) + "%"
}

func signed(v float64, dec int) string {
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if !strings.HasPrefix(s, "-") && strings.Trim(s, "0.") != "" {
		s = "+" + s
	}
	return minus(s)
}

func minus(s string) string {
	if t, ok := strings.CutPrefix(s, "-"); ok {
		if strings.Trim(t, "0.") == "" {
			return t
		}
		return "−" + t
	}
	return s
}

// num writes v rounded to a whole number, with thousands commas.
func num(v float64) string {
	return minus(commas(strconv.FormatFloat(math.Round(v), 'f', 0, 64)))
}

func count(n int) string { return num(float64(n)) }

// money writes pounds with thousands commas, and pence unless whole.
func money(v float64) string {
	p := math.Round(v * 100)
	neg := p < 0
	p = math.Abs(p)
	s := "£" + commas(strconv.FormatFloat(math.Floor(p/100), 'f', 0, 64))
	if pence := math.Mod(p, 100); pence != 0 {
		s += fmt.Sprintf(".%02d", int(pence))
	}
	if neg {
		return "−" + s
	}
	return s
}

func commas(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// codeLabel turns a code into words: "ONE_TO_ONE_ADVICE" → "One to one advice".
func codeLabel(code string) string {
	w := strings.ToLower(strings.ReplaceAll(code, "_", " "))
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// clean makes text fit to stand in an HTML page and an SVG: invalid UTF-8
// becomes U+FFFD and control characters are dropped. Escaping is left to the
// template.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, s)
}
