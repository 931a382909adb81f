package template

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// requirement says in words whether a field must be filled in: "Required",
// "Optional" or "Required when <title> is <labels>".
func requirement(k *standard.Kind, f *standard.Field) string {
	switch {
	case f.Required:
		return "Required"
	case f.RequiredWhen != nil:
		return "Required " + condition(k, f)
	}
	return "Optional"
}

// condition says when a conditionally required field is required, in the
// other field's title and labels: "when Outcome is Stayed in work or …".
func condition(k *standard.Kind, f *standard.Field) string {
	other := k.Field(f.RequiredWhen.Field)
	if other == nil || other.CodeList == nil {
		return "when " + f.RequiredWhen.Field + " is " + joinList(f.RequiredWhen.In, "or")
	}
	labels := make([]string, 0, len(f.RequiredWhen.In))
	for _, c := range f.RequiredWhen.In {
		if i, ok := other.CodeList.Index(c); ok {
			labels = append(labels, other.CodeList.Entries[i].Label)
		}
	}
	return "when " + other.Title + " is " + joinList(labels, "or")
}

// typeText says how a field's values are written.
func typeText(std *standard.Standard, f *standard.Field) string {
	switch f.Type {
	case standard.Code:
		return "one of the list (the label or the code)"
	case standard.Date:
		return "date, " + joinList(std.DateFormats, "or")
	case standard.Money:
		return fmt.Sprintf("money in %s (%s), with at most %d decimal places; %s and thousands separators %q are optional",
			std.Money.Currency, std.Money.Symbol, f.MaxDecimals, std.Money.Symbol, std.Money.GroupChar)
	}
	return f.Type.String()
}

// rules lists what the standard checks in a field beyond its type, as short
// sentences.
func rules(k *standard.Kind, f *standard.Field) []string {
	var out []string
	for _, r := range f.Rules() {
		out = append(out, strings.ToUpper(r[:1])+r[1:]+".")
	}
	for _, g := range k.Groups {
		if g.Name == f.Group {
			out = append(out, g.Title+": "+g.Description)
		}
	}
	return out
}

// guidance is everything a data officer needs to fill in one column: the
// note on its heading.
func guidance(std *standard.Standard, k *standard.Kind, f *standard.Field) string {
	lines := []string{f.Title + " (" + f.Name + ")"}
	lines = append(lines, notes(k, f, requirement(k, f)+".", "Type: "+typeText(std, f)+".")...)
	if f.CodeList != nil {
		lines = append(lines, "Choose from the list: "+codeChoices(f.CodeList)+".")
	}
	if f.Example != "" {
		lines = append(lines, "Example: "+f.Example)
	}
	return strings.Join(lines, "\n")
}

// prompt is the shorter guidance Excel shows while a validated cell is
// selected, without the title, which Excel shows above it.
func prompt(k *standard.Kind, f *standard.Field) string {
	parts := notes(k, f, requirement(k, f)+".")
	if f.CodeList != nil {
		parts = append(parts, "Choose from the list.")
	}
	if f.Example != "" {
		parts = append(parts, "Example: "+f.Example)
	}
	return clip(strings.Join(parts, " "), maxMessage)
}

// notes are the lead sentences, then the field's description, then its
// rules, each once: a description may already say what a rule says.
func notes(k *standard.Kind, f *standard.Field, lead ...string) []string {
	var out []string
	for _, s := range append(append(lead, f.Description), rules(k, f)...) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// codeChoices lists a code list as "Label (CODE)", in the standard's order.
func codeChoices(c *standard.CodeList) string {
	items := make([]string, len(c.Entries))
	for i, e := range c.Entries {
		items[i] = e.Label + " (" + e.Code + ")"
	}
	return strings.Join(items, "; ")
}

// joinList joins items as English does: "a, b and c".
func joinList(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}

// Excel's limits on data validation messages, in UTF-16 code units.
const (
	maxTitle   = 32
	maxMessage = 255
)

// clip shortens s to at most n UTF-16 code units, ending with an ellipsis
// when it had to cut, because Excel refuses longer validation titles and
// messages.
func clip(s string, n int) string {
	if utf16Len(s) <= n {
		return s
	}
	const ellipsis = "…"
	used := utf16Len(ellipsis)
	var b strings.Builder
	for _, r := range s {
		l := utf16.RuneLen(r)
		if used+l > n {
			break
		}
		used += l
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ") + ellipsis
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
