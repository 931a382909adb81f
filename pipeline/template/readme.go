package template

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline/formula"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// readme writes the README sheet: how to fill in the workbook, the shared
// rules, every column, every code and every error code.
func (b *book) readme() error {
	// Tables use columns A to E; paragraphs sit in column A and run on to
	// the right.
	r := &readmeWriter{f: b.f, row: 1, style: b.style, widths: []float64{24, 60, 24, 44, 80}}
	for i, w := range r.widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := b.f.SetColWidth(ReadmeSheet, col, col, w); err != nil {
			return fmt.Errorf("size column %s: %w", col, err)
		}
	}
	std := b.std
	r.text(b.style.title, fmt.Sprintf("%s, version %d: return template", std.Title, std.Version))
	r.para("This workbook is generated from the data standard. It has one sheet for each kind of table in a return; fill in the sheets you are sending.",
		"Point at a column title to read what goes in the column.")
	r.blank()

	r.heading("How to fill it in")
	r.para("Keep row 1 of each sheet, the column titles, as it is. Write one record per row from row 2, with no empty rows in between.",
		"Do not add columns or rename the sheets: a column that is not part of the standard is not stored, and a sheet with another name is not read.",
		"Columns with a drop-down list take one of the listed labels. Excel warns about a value it does not expect;",
		"a value the standard accepts all the same, such as a code instead of its label or a missing value, can be kept by answering Yes.",
		"Type or paste values: do not use formulas.")
	kinds := make([][]string, 0, len(std.Kinds))
	for _, k := range std.Kinds {
		limit := k.RowLimit()
		if limit == "" {
			limit = "any number of rows"
		}
		kinds = append(kinds, []string{k.Name, k.Title + ": " + k.Description, "one row per " + k.RowPer, limit})
	}
	r.table([]string{"Sheet", "What it holds", "One row per", "Rows"}, kinds)

	r.heading("Organisation and quarter")
	r.para("The organisation and the quarter come from the upload (who is logged in and which quarter is chosen), not from the file.",
		std.PeriodRule)
	r.para(fmt.Sprintf("Column %s (%s): %s", std.OrgColumn.Name, std.OrgColumn.Title, std.OrgColumn.Description), std.OrgCodeRule)
	r.blank()

	r.heading("Dates")
	var early []string
	for _, k := range std.Kinds {
		for _, f := range k.Fields {
			if f.Type == standard.Date && f.EarliestDate == nil && !slices.Contains(early, f.Title) {
				early = append(early, f.Title)
			}
		}
	}
	earliest := "A date before " + std.EarliestDate.String() + " is an error"
	if len(early) > 0 {
		earliest += ", except in " + joinList(early, "and")
	}
	r.para(std.DateRule, earliest+".")
	r.blank()

	r.heading("Missing values")
	r.para("These values mean that a value is not known: " + missingList(std.MissingValues) + ".")
	r.blank()

	r.heading("Money")
	r.para(fmt.Sprintf("Amounts are in %s (%s), with at most %d decimal places, with or without %s and the thousands separator %q.",
		std.Money.Currency, std.Money.Symbol, std.Money.MaxDecimals, std.Money.Symbol, std.Money.GroupChar))
	r.blank()

	r.heading("Formulas")
	r.para("A cell that starts with " + prefixList(std.FormulaPrefixes) + " is taken as text and is never evaluated.")
	r.blank()

	r.heading("Personal data")
	r.para("Do not add names, addresses, e-mail addresses, phone numbers or NHS numbers.", std.PersonalRule)
	for _, k := range std.Kinds {
		for _, f := range k.Fields {
			if f.Personal != "" && k.Name == personalKind(std, f.Name) {
				r.para(f.Title + ": " + f.Description)
			}
		}
	}
	r.blank()

	r.heading("Required columns")
	required := make([][]string, 0, len(std.Kinds))
	for _, k := range std.Kinds {
		var must []string
		for _, f := range k.Fields {
			switch {
			case f.Required:
				must = append(must, f.Title)
			case f.RequiredWhen != nil:
				must = append(must, f.Title+" ("+condition(k, f)+")")
			}
		}
		required = append(required, []string{k.Name, strings.Join(must, "; ")})
	}
	r.table([]string{"Sheet", "Required columns"}, required)

	r.heading("Columns")
	var cols [][]string
	for _, k := range std.Kinds {
		for _, f := range k.Fields {
			text := notes(k, f)
			if f.CodeList != nil {
				text = append(text, "Choose from the list; the codes are under Codes below.")
			}
			if f.Example != "" {
				text = append(text, "Example: "+f.Example)
			}
			cols = append(cols, []string{k.Name, f.Title, typeText(std, f), requirement(k, f), strings.Join(text, " ")})
		}
	}
	r.table([]string{"Sheet", "Column", "Type", "Required", "Rules"}, cols)

	r.heading("Codes")
	r.para("A coded column takes the label (as in the drop-down list), the code or another accepted spelling; case does not matter.")
	var codes [][]string
	for _, k := range std.Kinds {
		for _, f := range k.Fields {
			if f.CodeList == nil {
				continue
			}
			for i, e := range f.CodeList.Entries {
				sheet, col := "", ""
				if i == 0 {
					sheet, col = k.Name, f.Title
				}
				codes = append(codes, []string{sheet, col, e.Code, e.Label, strings.Join(e.Aliases, "; ")})
			}
		}
	}
	r.table([]string{"Sheet", "Column", "Code", "Label", "Also accepted"}, codes)

	r.heading("Error and warning codes")
	r.para("Each problem found in an upload is reported with one of these codes. A row with an error is rejected and the rest of the table is accepted; a warning rejects nothing.")
	issues := make([][]string, 0, len(std.Issues))
	for _, c := range std.Issues {
		issues = append(issues, []string{c.Code, c.Meaning, string(c.Severity), c.Level})
	}
	r.table([]string{"Code", "Meaning", "Severity", "Level"}, issues)
	return r.err
}

// personalKind is the first kind with a personal field of this name, so
// that the README explains client_ref once, not once per kind.
func personalKind(std *standard.Standard, name string) string {
	for _, k := range std.Kinds {
		if f := k.Field(name); f != nil && f.Personal != "" {
			return k.Name
		}
	}
	return ""
}

// readmeWriter writes the README sheet row by row. The first error stops
// it; later calls do nothing.
type readmeWriter struct {
	f      *excelize.File
	row    int
	style  styles
	widths []float64
	err    error
}

func (r *readmeWriter) set(col int, value string, style int) {
	if r.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(col, r.row)
	if err == nil {
		err = r.f.SetCellStr(ReadmeSheet, cell, cellText(value))
	}
	if err == nil && style != 0 {
		err = r.f.SetCellStyle(ReadmeSheet, cell, cell, style)
	}
	if err != nil {
		r.err = fmt.Errorf("write cell %s: %w", cell, err)
	}
}

func (r *readmeWriter) text(style int, s string) {
	r.set(1, s, style)
	r.row++
}

func (r *readmeWriter) heading(s string) { r.text(r.style.heading, s) }

// para writes sentences as one paragraph in column A.
func (r *readmeWriter) para(sentences ...string) { r.text(0, strings.Join(sentences, " ")) }

func (r *readmeWriter) blank() { r.row++ }

// table writes a header row in bold and the rows below it, wrapped, then an
// empty row.
func (r *readmeWriter) table(header []string, rows [][]string) {
	for i, h := range header {
		r.set(i+1, h, r.style.header)
	}
	r.row++
	for _, cells := range rows {
		lines := 1
		for i, c := range cells {
			r.set(i+1, c, r.style.wrap)
			lines = max(lines, wrappedLines(c, r.widths[i]))
		}
		if lines > 1 && r.err == nil {
			if err := r.f.SetRowHeight(ReadmeSheet, r.row, float64(lineHeight*lines)); err != nil {
				r.err = fmt.Errorf("size row %d: %w", r.row, err)
			}
		}
		r.row++
	}
	r.blank()
}

// lineHeight is the height in points of one line of text in Excel's default
// font.
const lineHeight = 15

// wrappedLines estimates how many lines text takes when wrapped in a column
// of the given width. Excel does not size a row to wrapped text that a
// program wrote, so the README sets row heights itself.
func wrappedLines(text string, width float64) int {
	perLine := max(1, int(width))
	n := 0
	for _, line := range strings.Split(text, "\n") {
		n += max(1, (len([]rune(line))+perLine-1)/perLine)
	}
	return n
}

// missingList names the missing values, the empty one in words.
func missingList(values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		if v == "" {
			v = "an empty cell"
		}
		out[i] = v
	}
	return joinList(out, "and")
}

// prefixList names the formula prefixes, the invisible ones in words, and
// notes the prefix that package formula lets through before a number (-).
func prefixList(prefixes []string) string {
	out := make([]string, len(prefixes))
	for i, p := range prefixes {
		switch p {
		case "\t":
			out[i] = "a tab"
		case "\r":
			out[i] = "a carriage return"
		default:
			out[i] = p
		}
		if !formula.Risky(p + "1") {
			out[i] += " (unless the cell is a number)"
		}
	}
	return joinList(out, "or")
}
