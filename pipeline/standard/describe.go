package standard

import (
	"fmt"
	"strconv"
)

// The phrases below describe the rules in words. The data dictionary, the
// templates' guidance and validation's messages all use them, so that the
// three always say the same thing about a rule.

// Range describes a numeric field's bounds ("0 to 168", "at least 0"), or is
// empty when it has none.
func (f *Field) Range() string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	switch {
	case f.Minimum != nil && f.Maximum != nil:
		return num(*f.Minimum) + " to " + num(*f.Maximum)
	case f.Minimum != nil:
		return "at least " + num(*f.Minimum)
	case f.Maximum != nil:
		return "at most " + num(*f.Maximum)
	}
	return ""
}

// RowLimit describes a kind's row limits ("exactly 1 row"), or is empty when
// there are none.
func (k *Kind) RowLimit() string {
	switch {
	case k.MinRows > 0 && k.MinRows == k.MaxRows:
		return "exactly " + plural(k.MinRows, "row")
	case k.MinRows > 0 && k.MaxRows > 0:
		return fmt.Sprintf("%d to %d rows", k.MinRows, k.MaxRows)
	case k.MinRows > 0:
		return "at least " + plural(k.MinRows, "row")
	case k.MaxRows > 0:
		return "at most " + plural(k.MaxRows, "row")
	}
	return ""
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// Rules lists, as short lower-case phrases, what the standard checks in a
// field beyond its type and whether it is required.
func (f *Field) Rules() []string {
	var out []string
	if f.Unique {
		out = append(out, "unique within the table")
	}
	switch lo, hi := f.MinLength, f.MaxLength; {
	case lo > 0 && hi > 0:
		out = append(out, fmt.Sprintf("%d to %d characters", lo, hi))
	case hi > 0:
		out = append(out, fmt.Sprintf("at most %d characters", hi))
	case lo > 0:
		out = append(out, fmt.Sprintf("at least %d characters", lo))
	}
	if r := f.Range(); r != "" && f.Minimum != nil && f.Maximum != nil {
		out = append(out, "from "+r)
	} else if r != "" {
		out = append(out, r)
	}
	if f.EarliestDate != nil {
		out = append(out, "not before "+f.EarliestDate.String())
	}
	if f.Type == Date {
		if f.NotAfterQuarterEnd {
			out = append(out, "not after the end of the quarter")
		} else {
			out = append(out, "may be after the quarter")
		}
	}
	if f.NotBeforeRegistration {
		out = append(out, "not before the carer's registration date")
	}
	if a := f.AgeAtRegistration; a != nil {
		out = append(out, fmt.Sprintf("carer aged %d to %d at registration", a.Minimum, a.Maximum))
	}
	return out
}
