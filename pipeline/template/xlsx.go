package template

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline/formula"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

const (
	// ReadmeSheet is the workbook's first sheet: how to fill it in.
	ReadmeSheet = "README"
	// ListsSheet is the hidden sheet that holds the drop-down lists, one
	// column per code list, because Excel limits a list typed into a data
	// validation to 255 characters.
	ListsSheet = "lists"
	// LastRow is the last row of a kind's sheet that data validation covers,
	// unless the kind allows fewer rows.
	LastRow = 5000

	// docTime is the workbook's fixed created and modified time, so that its
	// bytes depend only on the standard.
	docTime = "2000-01-01T00:00:00Z"
	// excelEpoch is the number of days from Excel's day 0 (1899-12-30) to
	// 1970-01-01, the epoch of pipeline.Days.
	excelEpoch = 25569
	// headerHeight is the height of row 1 in points: three lines of titles.
	headerHeight = 48
)

// WriteXLSX writes the Excel template: a README sheet, then one sheet per
// kind named after the kind, whose row 1 holds the fields' titles with a note
// of guidance on each, and whose coded columns offer the code list's labels
// as a drop-down list. The bytes depend only on std.
func WriteXLSX(w io.Writer, std *standard.Standard) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("write xlsx template: %w", cerr)
		}
	}()
	b := &book{f: f, std: std, lists: map[string]string{}}
	if err := b.build(); err != nil {
		return fmt.Errorf("write xlsx template: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write xlsx template: %w", err)
	}
	return nil
}

// book builds one workbook.
type book struct {
	f     *excelize.File
	std   *standard.Standard
	lists map[string]string // code list name -> absolute range on ListsSheet
	style styles
}

type styles struct {
	title, heading, header, wrap int
	column                       map[standard.Type]int // number format of a kind's column
}

func (b *book) build() error {
	if err := b.checkNames(); err != nil {
		return err
	}
	if err := b.newStyles(); err != nil {
		return err
	}
	if err := b.f.SetSheetName(b.f.GetSheetName(0), ReadmeSheet); err != nil {
		return fmt.Errorf("name sheet %s: %w", ReadmeSheet, err)
	}
	for _, k := range b.std.Kinds {
		if _, err := b.f.NewSheet(k.Name); err != nil {
			return fmt.Errorf("add sheet %s: %w", k.Name, err)
		}
	}
	if err := b.listsSheet(); err != nil {
		return err
	}
	for _, k := range b.std.Kinds {
		if err := b.kindSheet(k); err != nil {
			return fmt.Errorf("fill sheet %s: %w", k.Name, err)
		}
	}
	if err := b.readme(); err != nil {
		return fmt.Errorf("fill sheet %s: %w", ReadmeSheet, err)
	}
	b.f.SetActiveSheet(0)
	if err := b.f.SetDocProps(&excelize.DocProperties{
		Title:          fmt.Sprintf("%s, version %d: return template", b.std.Title, b.std.Version),
		Creator:        b.std.Title,
		LastModifiedBy: b.std.Title,
		Created:        docTime,
		Modified:       docTime,
		Version:        fmt.Sprint(b.std.Version),
	}); err != nil {
		return fmt.Errorf("set document properties: %w", err)
	}
	return nil
}

// checkNames refuses a standard whose kind names clash with the workbook's
// own sheets, since Excel compares sheet names ignoring case.
func (b *book) checkNames() error {
	seen := map[string]bool{strings.ToLower(ReadmeSheet): true, strings.ToLower(ListsSheet): true}
	for _, k := range b.std.Kinds {
		if seen[strings.ToLower(k.Name)] {
			return fmt.Errorf("check sheet names: kind %q clashes with another sheet", k.Name)
		}
		seen[strings.ToLower(k.Name)] = true
	}
	return nil
}

func (b *book) newStyles() error {
	var err error
	add := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = b.f.NewStyle(s)
		return id
	}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	dateFormat, moneyFormat := "yyyy-mm-dd", "#,##0.00"
	b.style = styles{
		title:   add(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}),
		heading: add(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}}),
		header: add(&excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: top,
		}),
		wrap: add(&excelize.Style{Alignment: top}),
		column: map[standard.Type]int{
			// Text and codes as text, so that Excel keeps leading zeros
			// and never turns a reference into a number or a date.
			standard.Text:  add(&excelize.Style{NumFmt: 49}),
			standard.Code:  add(&excelize.Style{NumFmt: 49}),
			standard.Date:  add(&excelize.Style{CustomNumFmt: &dateFormat}),
			standard.Money: add(&excelize.Style{CustomNumFmt: &moneyFormat}),
		},
	}
	if err != nil {
		return fmt.Errorf("add styles: %w", err)
	}
	return nil
}

// listsSheet writes every code list's labels on the hidden ListsSheet, one
// column per list in name order with the list's name in row 1, and records
// the range that holds each list.
func (b *book) listsSheet() error {
	if _, err := b.f.NewSheet(ListsSheet); err != nil {
		return fmt.Errorf("add sheet %s: %w", ListsSheet, err)
	}
	names := make([]string, 0, len(b.std.CodeLists))
	for n := range b.std.CodeLists {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		c := b.std.CodeLists[n]
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return fmt.Errorf("fill sheet %s: %w", ListsSheet, err)
		}
		cells := make([]any, 0, 1+len(c.Entries))
		cells = append(cells, c.Name)
		for _, e := range c.Entries {
			cells = append(cells, e.Label)
		}
		for r, v := range cells {
			if err := b.f.SetCellValue(ListsSheet, fmt.Sprintf("%s%d", col, r+1), v); err != nil {
				return fmt.Errorf("fill sheet %s: %w", ListsSheet, err)
			}
		}
		b.lists[n] = fmt.Sprintf("%s!$%s$2:$%s$%d", ListsSheet, col, col, len(c.Entries)+1)
		if err := b.f.SetColWidth(ListsSheet, col, col, float64(min(60, 2+longest(labels(c))))); err != nil {
			return fmt.Errorf("fill sheet %s: %w", ListsSheet, err)
		}
	}
	if err := b.f.SetSheetVisible(ListsSheet, false); err != nil {
		return fmt.Errorf("hide sheet %s: %w", ListsSheet, err)
	}
	return nil
}

// kindSheet lays out one kind's sheet: titles, notes, widths, formats, a
// frozen row 1 and data validation.
func (b *book) kindSheet(k *standard.Kind) error {
	last := LastRow
	if k.MaxRows > 0 {
		last = 1 + k.MaxRows
	}
	for i, fld := range k.Fields {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if id, ok := b.style.column[fld.Type]; ok {
			if err := b.f.SetColStyle(k.Name, col, id); err != nil {
				return fmt.Errorf("format column %s: %w", fld.Name, err)
			}
		}
		if err := b.f.SetColWidth(k.Name, col, col, columnWidth(fld)); err != nil {
			return fmt.Errorf("size column %s: %w", fld.Name, err)
		}
	}
	header := titles(k)
	if err := b.f.SetSheetRow(k.Name, "A1", &header); err != nil {
		return fmt.Errorf("write titles: %w", err)
	}
	lastCol, err := excelize.ColumnNumberToName(len(k.Fields))
	if err != nil {
		return err
	}
	if err := b.f.SetCellStyle(k.Name, "A1", lastCol+"1", b.style.header); err != nil {
		return fmt.Errorf("style titles: %w", err)
	}
	if err := b.f.SetRowHeight(k.Name, 1, headerHeight); err != nil {
		return fmt.Errorf("size titles: %w", err)
	}
	if err := b.f.SetPanes(k.Name, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return fmt.Errorf("freeze titles: %w", err)
	}
	for i, fld := range k.Fields {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		text := guidance(b.std, k, fld)
		if i == 0 {
			text = sheetGuidance(k) + "\n\n" + text
		}
		if err := b.f.AddComment(k.Name, excelize.Comment{
			Cell: col + "1", Author: b.std.Title, Text: text, Width: 320, Height: noteHeight(text),
		}); err != nil {
			return fmt.Errorf("add note to %s: %w", fld.Name, err)
		}
		if err := b.validate(k, fld, col, last); err != nil {
			return fmt.Errorf("add validation to %s: %w", fld.Name, err)
		}
	}
	return nil
}

// sheetGuidance is what a kind's sheet is for; it leads the note on the
// sheet's first column.
func sheetGuidance(k *standard.Kind) string {
	s := fmt.Sprintf("Sheet %s (%s): one row per %s.", k.Name, k.Title, k.RowPer)
	if r := k.RowLimit(); r != "" {
		s += " This sheet takes " + r + "."
	}
	return s
}

// validate adds the data validation of one column, if its field has a rule
// Excel can check: a drop-down list for a coded column, a range for a
// number, an earliest date, a length for text. Every validation is a
// warning, not a stop: the standard accepts codes and aliases as well as the
// listed labels, and missing values such as N/A in any column, and Excel
// must let the data officer keep them.
func (b *book) validate(k *standard.Kind, fld *standard.Field, col string, last int) error {
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, last)
	var msg string
	switch fld.Type {
	case standard.Code:
		ref, ok := b.lists[fld.CodeList.Name]
		if !ok {
			return fmt.Errorf("no list for code list %s", fld.CodeList.Name)
		}
		dv.SetSqrefDropList(ref)
		msg = "Choose a value from the list. The codes are accepted too: " + strings.Join(fld.CodeList.Codes(), ", ") + "."
	case standard.Date:
		if fld.EarliestDate == nil {
			return nil
		}
		if err := dv.SetRange(int(*fld.EarliestDate)+excelEpoch, "", excelize.DataValidationTypeDate, excelize.DataValidationOperatorGreaterThanOrEqual); err != nil {
			return err
		}
		msg = fmt.Sprintf("Write a date on or after %s, as %s.", fld.EarliestDate, joinList(b.std.DateFormats, "or"))
	case standard.Integer, standard.Number, standard.Money:
		r := fld.Range()
		if r == "" {
			return nil
		}
		t, what := excelize.DataValidationTypeDecimal, "a number"
		switch fld.Type {
		case standard.Integer:
			t, what = excelize.DataValidationTypeWhole, "a whole number"
		case standard.Money:
			what = "an amount in " + b.std.Money.Currency
		}
		if err := setBounds(dv, fld.Minimum, fld.Maximum, t); err != nil {
			return err
		}
		msg = "Write " + what + ", " + r + "."
	case standard.Text:
		if fld.MaxLength == 0 {
			return nil
		}
		lo := max(fld.MinLength, 1)
		if err := dv.SetRange(lo, fld.MaxLength, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
		msg = fmt.Sprintf("Write %d to %d characters.", lo, fld.MaxLength)
	default:
		return nil
	}
	title := clip(fld.Title, maxTitle)
	dv.SetInput(title, prompt(k, fld))
	dv.SetError(excelize.DataValidationErrorStyleWarning, title, clip(msg, maxMessage))
	return b.f.AddDataValidation(k.Name, dv)
}

// setBounds sets a numeric validation from a field's minimum and maximum,
// either of which may be missing.
func setBounds(dv *excelize.DataValidation, lo, hi *float64, t excelize.DataValidationType) error {
	switch {
	case lo != nil && hi != nil:
		return dv.SetRange(*lo, *hi, t, excelize.DataValidationOperatorBetween)
	case lo != nil:
		return dv.SetRange(*lo, "", t, excelize.DataValidationOperatorGreaterThanOrEqual)
	default:
		return dv.SetRange(*hi, "", t, excelize.DataValidationOperatorLessThanOrEqual)
	}
}

// columnWidth fits a column to its title (which wraps over up to three
// lines) and, for a coded column, to its longest label.
func columnWidth(f *standard.Field) float64 {
	w := min(30, max(12, 2+len(f.Title)/2, 2+longest(strings.Fields(f.Title))))
	if f.CodeList != nil {
		w = max(w, min(50, 2+longest(labels(f.CodeList))))
	}
	if f.Type == standard.Date {
		w = max(w, 12)
	}
	return float64(w)
}

// noteHeight sizes a note's box, in pixels, to its text at about 50
// characters a line in the 320-pixel-wide box.
func noteHeight(text string) uint {
	lines := 0
	for _, l := range strings.Split(text, "\n") {
		lines += 1 + len(l)/50
	}
	return uint(min(480, 20+15*lines))
}

func labels(c *standard.CodeList) []string {
	out := make([]string, len(c.Entries))
	for i, e := range c.Entries {
		out[i] = e.Label
	}
	return out
}

func longest(items []string) int {
	n := 0
	for _, s := range items {
		n = max(n, len([]rune(s)))
	}
	return n
}

// cellText is a README cell. It is neutralised even though excelize writes
// strings as text cells, which Excel never evaluates, so that a copy of the
// README saved as CSV stays harmless too.
func cellText(s string) string { return formula.Neutralise(s) }
