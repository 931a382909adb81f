package validate

import (
	"fmt"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/parse"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// The messages say what to do, in the words of someone filling in Excel.

func ukDate(d pipeline.Days) string { return d.Time().Format("02/01/2006") }

func dateMessage(p parse.Problem) string {
	switch p {
	case parse.TwoDigitYear:
		return "the year has two digits: write it in full, as DD/MM/YYYY (for example 31/07/2026)"
	case parse.MonthFirst:
		return "there is no such month: dates are written day first, as DD/MM/YYYY (for example 31/07/2026 for 31 July)"
	case parse.NoSuchDay:
		return "there is no such day: check the day and the month"
	case parse.ZonedTime:
		return "this is a date and time with a time zone, and the time is not midnight, so the day depends on whose clock: write the date alone, as DD/MM/YYYY or YYYY-MM-DD"
	}
	return "this is not a date: write it as DD/MM/YYYY or YYYY-MM-DD (for example 31/07/2026 or 2026-07-31)"
}

func numberMessage(f *standard.Field, p parse.Problem) string {
	switch {
	case p == parse.TooManyDecimals:
		return fmt.Sprintf("%s is an amount in pounds with at most %d decimal places: round it to the penny", f.Title, f.MaxDecimals)
	case f.Type == standard.Money:
		return fmt.Sprintf("%s must be an amount in pounds, such as 1234.50 or £1,234.50", f.Title)
	case p == parse.NotWhole || f.Type == standard.Integer:
		return fmt.Sprintf("%s must be a whole number%s", f.Title, between(f))
	}
	return fmt.Sprintf("%s must be a number%s", f.Title, between(f))
}

func rangeMessage(f *standard.Field, x float64) string {
	if f.Minimum != nil && x < *f.Minimum || f.Maximum != nil && x > *f.Maximum {
		return fmt.Sprintf("%s must be%s", f.Title, between(f))
	}
	return ""
}

func between(f *standard.Field) string {
	switch r := f.Range(); {
	case r == "":
		return ""
	case f.Minimum != nil && f.Maximum != nil:
		return " from " + r
	default:
		return " of " + r
	}
}

// codeList lists a code list's codes for a message, with labels while the
// list stays short enough to read. The text is made once per list: a file
// with a million unknown codes would otherwise spend most of its time here.
func (v *validator) codeList(c *standard.CodeList) string {
	if s, ok := v.codeTexts[c]; ok {
		return s
	}
	s := describeCodes(c)
	v.codeTexts[c] = s
	return s
}

func describeCodes(c *standard.CodeList) string {
	var withLabels, codes []string
	for _, e := range c.Entries {
		codes = append(codes, e.Code)
		withLabels = append(withLabels, fmt.Sprintf("%s (%s)", e.Code, e.Label))
	}
	if s := strings.Join(withLabels, ", "); len(s) <= 200 {
		return "one of " + s
	}
	return "one of " + strings.Join(codes, ", ") + ", or their labels in the data dictionary"
}

func (v *validator) codeHint(f *standard.Field) string {
	if f.CodeList == nil {
		return ""
	}
	return " with " + v.codeList(f.CodeList)
}
