// Package dictionary writes the data dictionary: the human-readable form of
// the data standard, generated from the loaded *standard.Standard alone so
// that it can never disagree with what validation enforces. Everything in it,
// from column titles to error codes, comes from the standard's files; this
// package only arranges it as Markdown.
package dictionary

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/formula"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Markdown writes the data dictionary of std as Markdown. The output depends
// only on std, so two calls write the same bytes.
func Markdown(w io.Writer, std *standard.Standard) error {
	var b strings.Builder
	d := &doc{b: &b, std: std}
	d.title()
	d.shared()
	d.kinds()
	d.codeLists()
	d.bands()
	d.swemwbs()
	d.pseudonym()
	d.issues()
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write data dictionary: %w", err)
	}
	return nil
}

// doc accumulates the dictionary. Writes to a strings.Builder cannot fail, so
// the only error is the final write.
type doc struct {
	b   *strings.Builder
	std *standard.Standard
}

func (d *doc) printf(format string, args ...any) { fmt.Fprintf(d.b, format, args...) }

func (d *doc) line(s ...string) {
	d.b.WriteString(strings.Join(s, ""))
	d.b.WriteString("\n")
}

// table writes a Markdown table; cells are escaped here, so callers pass
// plain or already-formatted inline Markdown.
func (d *doc) table(header []string, rows [][]string) {
	d.line("| ", strings.Join(header, " | "), " |")
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	d.line("| ", strings.Join(seps, " | "), " |")
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = cell(c)
		}
		d.line("| ", strings.Join(cells, " | "), " |")
	}
	d.line()
}

func (d *doc) title() {
	d.printf("# %s, version %d\n\n", d.std.Title, d.std.Version)
	d.line("This data dictionary is generated from the machine-readable standard. Do not edit it by hand: change the standard and generate it again.")
	d.line()
	d.line("Kinds of table in a return:")
	d.line()
	rows := make([][]string, 0, len(d.std.Kinds))
	for _, k := range d.std.Kinds {
		limit := k.RowLimit()
		if limit == "" {
			limit = "no limit"
		}
		rows = append(rows, []string{"[" + code(k.Name) + "](#" + anchor(k) + ")", k.Title, k.RowPer, limit})
	}
	d.table([]string{"kind", "title", "one row per", "rows"}, rows)
}

func (d *doc) shared() {
	s := d.std
	d.line("## Shared rules")
	d.line()

	d.line("### Organisation and quarter")
	d.line()
	d.line("- Organisation code: ", s.OrgCodeRule, " Pattern: ", code(s.OrgCode.String()), ".")
	d.line("- Quarter: ", s.PeriodRule, " Pattern: ", code(s.PeriodPattern), ".")
	d.line("- Column ", code(s.OrgColumn.Name), " (", s.OrgColumn.Title, "): ", s.OrgColumn.Description)
	d.line()

	d.line("### Missing values")
	d.line()
	d.line("These values are missing values in every kind of table: ", missingList(s.MissingValues), ".")
	d.line()

	d.line("### Dates")
	d.line()
	d.line(s.DateRule)
	d.line()
	d.line("- Accepted forms: ", joinCodes(s.DateFormats, "or"), ".")
	d.line("- Earliest date: ", code(s.EarliestDate.String()), ".")
	d.line()

	d.line("### Money")
	d.line()
	d.printf("Money is in %s (%s), with or without %s and the thousands separator %s, with at most %d decimal places.\n\n",
		s.Money.Currency, s.Money.Symbol, code(s.Money.Symbol), code(s.Money.GroupChar), s.Money.MaxDecimals)
	if s.Money.Description != "" {
		d.line(s.Money.Description)
		d.line()
	}
	if len(s.Money.Zero) > 0 {
		d.line("- Written as zero: ", joinCodes(s.Money.Zero, "and"), " (with any spaces).")
		d.line()
	}

	if len(s.Invisible) > 0 {
		d.line("### Invisible characters")
		d.line()
		d.line(s.InvisibleRule)
		d.line()
		for _, c := range s.Invisible {
			d.printf("- U+%04X %s\n", c.Rune, c.Name)
		}
		d.line()
	}

	d.line("### Formulas")
	d.line()
	var names, numeric []string
	for _, p := range s.FormulaPrefixes {
		names = append(names, prefixName(p))
		if !formula.Risky(p + "1") {
			numeric = append(numeric, p)
		}
	}
	d.line("A cell that starts with ", joinList(names, "or"), " is taken as text and is never evaluated. ",
		"It is neutralised wherever it is written back out (templates, error reports, CSV extracts) by putting a single quote (", code("'"), ") before it.")
	if len(numeric) > 0 {
		d.line()
		d.line("A cell that starts with ", joinCodes(numeric, "or"), " and is a number, such as ", code(numeric[0]+"1,000.50"), ", is a number and is left as it is.")
	}
	for _, v := range s.MissingValues {
		if v != "" && !formula.Risky(v) && slices.ContainsFunc(s.FormulaPrefixes, func(p string) bool { return strings.HasPrefix(v, p) }) {
			d.line()
			d.line("The missing value ", code(v), " is left as it is.")
		}
	}
	d.line()

	d.line("### Personal data columns")
	d.line()
	d.line(s.PersonalRule)
	d.line()
	d.line("- Headings that mean personal data: ", joinCodes(s.PersonalHeadings, "and"), ".")
	d.line()
}

func (d *doc) kinds() {
	for _, k := range d.std.Kinds {
		d.kind(k)
	}
}

func (d *doc) kind(k *standard.Kind) {
	d.printf("## %s: %s\n\n", code(k.Name), k.Title)
	d.line(k.Description)
	d.line()
	d.line("- One row per ", k.RowPer, ".")
	if r := k.RowLimit(); r != "" {
		d.line("- Rows: ", r, ".")
	}
	if len(k.PrimaryKey) > 0 {
		d.line("- Primary key: ", joinCodes(k.PrimaryKey, "and"), ", unique within the table.")
	}
	if rk := k.RecordKey; rk != nil {
		d.line("- Record key: ", joinCodes(rk.Fields, "and"), " (on repeat: ", code(rk.OnRepeat), "). ", rk.Description)
	}
	for _, fk := range k.ForeignKeys {
		ref := make([]string, len(fk.Reference.Fields))
		for i, f := range fk.Reference.Fields {
			ref[i] = fk.Reference.Resource + "." + f
		}
		d.line("- Foreign key: ", joinCodes(fk.Fields, "and"), " must name a row of ", joinCodes(ref, "and"), ".")
	}
	d.line()

	rows := make([][]string, 0, len(k.Fields))
	for _, f := range k.Fields {
		rows = append(rows, []string{
			strconv.Itoa(f.Index + 1), code(f.Name), f.Title, f.Type.String(), requirement(f),
			strings.Join(rules(d.std, k, f), "; "), f.Description,
		})
	}
	d.table([]string{"#", "column", "title", "type", "required", "rules", "description"}, rows)

	if len(k.Groups) > 0 {
		d.line("Groups of columns:")
		d.line()
		rows := make([][]string, 0, len(k.Groups))
		for _, g := range k.Groups {
			rows = append(rows, []string{code(g.Name), g.Title, joinCodes(g.Fields, "and"), code(g.Rule), g.Description})
		}
		d.table([]string{"group", "title", "columns", "rule", "description"}, rows)
	}
	if len(k.Derived) > 0 {
		d.line("Derived columns, computed by the pipeline and stored:")
		d.line()
		rows := make([][]string, 0, len(k.Derived))
		for _, dv := range k.Derived {
			rows = append(rows, []string{code(dv.Name), dv.Type, joinCodes(dv.From, "and"), code(dv.Rule), dv.Description})
		}
		d.table([]string{"column", "type", "from", "rule", "description"}, rows)
	}
}

func (d *doc) codeLists() {
	d.line("## Code lists")
	d.line()
	d.line("A cell matches a code by the code itself, its label or an alias, ignoring case, surrounding spaces and the difference between spaces, hyphens and underscores.")
	d.line()
	names := make([]string, 0, len(d.std.CodeLists))
	for n := range d.std.CodeLists {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		c := d.std.CodeLists[n]
		d.printf("### %s: %s\n\n", code(c.Name), c.Title)
		if used := d.usedBy(c); len(used) > 0 {
			d.line("Used by ", joinCodes(used, "and"), ".")
			d.line()
		}
		rows := make([][]string, 0, len(c.Entries))
		for _, e := range c.Entries {
			rows = append(rows, []string{code(e.Code), e.Label, joinCodes(e.Aliases, "and"), entryNotes(e)})
		}
		d.table([]string{"code", "label", "aliases", "notes"}, rows)
	}
}

// usedBy lists the kind.field columns that take a code list, in the
// standard's order.
func (d *doc) usedBy(c *standard.CodeList) []string {
	var out []string
	for _, k := range d.std.Kinds {
		for _, f := range k.Fields {
			if f.CodeList == c {
				out = append(out, k.Name+"."+f.Name)
			}
		}
	}
	return out
}

func (d *doc) bands() {
	d.line("## Bands")
	d.line()
	for _, b := range []struct {
		title string
		bands []standard.Band
	}{{"Age bands (completed years at registration)", d.std.AgeBands}, {"Caring hours bands (hours caring per week)", d.std.HoursBands}} {
		d.printf("### %s\n\n", b.title)
		rows := make([][]string, 0, len(b.bands))
		for _, band := range b.bands {
			rows = append(rows, []string{code(band.Band), strconv.Itoa(band.Min), strconv.Itoa(band.Max), band.Label})
		}
		d.table([]string{"band", "from", "to", "label"}, rows)
	}
}

func (d *doc) swemwbs() {
	c := d.std.SWEMWBS
	d.line("## SWEMWBS conversion")
	d.line()
	d.line("Source: ", c.Source, ".")
	d.line()
	rows := make([][]string, len(c.Raw))
	for i := range c.Raw {
		rows[i] = []string{strconv.Itoa(c.Raw[i]), strconv.FormatFloat(c.Metric[i], 'f', 2, 64)}
	}
	d.table([]string{"raw score", "metric score"}, rows)
}

func (d *doc) pseudonym() {
	p := d.std.Pseudonym
	d.line("## Pseudonym")
	d.line()
	d.line(code(p.From), " never leaves the ingest step: it is replaced by ", code(p.Field), " = ", p.Rule, ".")
	d.line()
}

func (d *doc) issues() {
	d.line("## Error and warning codes")
	d.line()
	d.line("Every problem reported back to an uploader carries one of these codes. A row with an error is rejected; a warning only informs.")
	d.line()
	rows := make([][]string, 0, len(d.std.Issues))
	for _, c := range d.std.Issues {
		rows = append(rows, []string{code(c.Code), c.Level, string(c.Severity), c.Meaning})
	}
	d.table([]string{"code", "level", "severity", "meaning"}, rows)
}

// requirement says whether a field is required, always or under a condition.
func requirement(f *standard.Field) string {
	switch {
	case f.Required:
		return "yes"
	case f.RequiredWhen != nil:
		return "when " + code(f.RequiredWhen.Field) + " is " + joinCodes(f.RequiredWhen.In, "or")
	}
	return "no"
}

// rules lists what the standard checks in a field beyond its type.
func rules(std *standard.Standard, k *standard.Kind, f *standard.Field) []string {
	out := f.Rules()
	if len(f.Headings) > 0 {
		out = append(out, "also headed "+joinCodes(f.Headings, "or"))
	}
	if f.Pattern != nil {
		out = append(out, "matches "+code(f.Pattern.String()))
	}
	if f.Type == standard.Money {
		out = append(out, fmt.Sprintf("%s, at most %d decimal places", std.Money.Currency, f.MaxDecimals))
	} else if f.Unit != "" {
		out = append(out, "unit "+f.Unit)
	}
	if f.CodeList != nil {
		out = append(out, "codes: ["+code(f.CodeList.Name)+"](#"+codeListAnchor(f.CodeList)+")")
	}
	if f.Group != "" {
		for _, g := range k.Groups {
			if g.Name == f.Group {
				out = append(out, "group "+code(g.Name)+" ("+g.Rule+")")
			}
		}
	}
	if f.Personal != "" {
		var stored []string
		for _, dv := range k.Derived {
			if slices.Contains(dv.From, f.Name) {
				stored = append(stored, dv.Name)
			}
		}
		out = append(out, "personal ("+f.Personal+"): not stored as sent; stored as "+joinCodes(stored, "and"))
	}
	if f.Example != "" {
		out = append(out, "example "+code(f.Example))
	}
	return out
}

// entryNotes lists the flags a code carries beyond its label.
func entryNotes(e standard.CodeEntry) string {
	var out []string
	if e.InWork {
		out = append(out, "in work")
	}
	if e.Hard {
		out = append(out, "hard outcome")
	}
	if e.Work {
		out = append(out, "work outcome")
	}
	if e.Weeks != nil {
		out = append(out, fmt.Sprintf("%d weeks after registration", *e.Weeks))
	}
	if e.ReferralGroup != "" {
		out = append(out, "referral group "+code(e.ReferralGroup))
	}
	return strings.Join(out, "; ")
}

// prefixName shows a formula prefix so that it can be read: the invisible
// ones are named.
func prefixName(p string) string {
	switch p {
	case "\t":
		return "a tab"
	case "\r":
		return "a carriage return"
	}
	return code(p)
}

// missingList shows the missing values, naming the empty one.
func missingList(values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		if v == "" {
			out[i] = "an empty cell"
		} else {
			out[i] = code(v)
		}
	}
	return joinList(out, "and")
}

func joinCodes(items []string, conj string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = code(s)
	}
	return joinList(out, conj)
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

// code writes s as a Markdown code span, with enough backticks to hold any
// backticks inside it.
func code(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// cell makes a string safe inside a Markdown table cell: pipes are escaped
// (GitHub-flavoured Markdown honours \| inside code spans in tables too) and
// line breaks become spaces.
func cell(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return strings.ReplaceAll(s, "|", `\|`)
}

// anchor is the GitHub heading anchor of a kind's section.
func anchor(k *standard.Kind) string { return slug(k.Name + ": " + k.Title) }

func codeListAnchor(c *standard.CodeList) string { return slug(c.Name + ": " + c.Title) }

// slug mimics GitHub's heading anchors: lower case, punctuation other than
// hyphens and underscores dropped, spaces turned into hyphens.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}
