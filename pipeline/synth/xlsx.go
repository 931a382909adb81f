package synth

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// WorkbookFile is the name of a return sent as one Excel workbook.
const WorkbookFile = "return.xlsx"

// writeWorkbook writes a return as one workbook with a sheet per kind
// (named as the organisation capitalises it), perhaps with a Notes sheet
// that readers must ignore. It streams each sheet with excelize's
// StreamWriter, and writes the zip entries in sorted order with no
// timestamps, because excelize writes streamed sheets in map order.
func writeWorkbook(out, dir string, ret *retData, rd *renderer) (files []string, err error) {
	name := path.Join(dir, WorkbookFile)
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	saved := (ret.submitted - 1).Time().Add(16 * time.Hour) // the afternoon before it was sent
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter { return &sortedZip{w: w, modified: saved} })
	h := rd.h
	dateFmt := "dd/mm/yyyy"
	if h.isoDateFormat {
		dateFmt = "yyyy-mm-dd"
	}
	moneyFmt := `"` + rd.s.std.Money.Symbol + `"#,##0.00`
	st := styles{}
	if st.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return nil, err
	}
	if st.money, err = f.NewStyle(&excelize.Style{CustomNumFmt: &moneyFmt}); err != nil {
		return nil, err
	}
	if st.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	for kind := range nKinds {
		sheet := h.sheetName(kindName(kind))
		if kind == 0 {
			err = f.SetSheetName("Sheet1", sheet)
		} else {
			_, err = f.NewSheet(sheet)
		}
		if err != nil {
			return nil, err
		}
		if err := writeSheet(f, sheet, kind, ret.tables[kind], rd, st); err != nil {
			return nil, err
		}
	}
	if h.notesSheet {
		if err := writeNotes(f, rd, ret); err != nil {
			return nil, err
		}
	}
	when := saved.Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator: rd.o.Name, LastModifiedBy: rd.o.Name, Created: when, Modified: when,
		Title: rd.o.Code + " return " + ret.period.String(),
	}); err != nil {
		return nil, err
	}
	fh, err := os.Create(filepath.Join(out, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteTo(fh); err != nil {
		fh.Close()
		return nil, err
	}
	if err := fh.Close(); err != nil {
		return nil, err
	}
	return []string{name}, nil
}

type styles struct{ date, money, head int }

func writeSheet(f *excelize.File, sheet string, kind int, rows []tableRow, rd *renderer, st styles) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	cols := rd.layout(kind)
	if err := sw.SetColWidth(1, len(cols), 16); err != nil {
		return err
	}
	head := rd.header(kind, cols)
	vals := make([]any, len(cols))
	for i, hd := range head {
		vals[i] = excelize.Cell{StyleID: st.head, Value: hd}
	}
	if err := sw.SetRow("A1", vals); err != nil {
		return err
	}
	for i, tr := range rows {
		for j, c := range cols {
			if c == orgCol {
				vals[j] = rd.o.Code
				continue
			}
			vals[j] = rd.cell(rd.s.kinds[kind].Fields[c], tr.row[c], st)
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// cell is a value as an xlsx cell: numbers as numbers, dates as real Excel
// dates or as text, money as a number in a pound format or as text.
func (rd *renderer) cell(f *standard.Field, v value, st styles) any {
	switch v.k {
	case vMissing:
		if t := rd.missing(); t != "" {
			return t
		}
		return nil
	case vText:
		if rd.o.refs == refNumeric && f.Personal == "pseudonymise" && allDigits(v.s) {
			n, err := strconv.Atoi(v.s)
			if err == nil && strconv.Itoa(n) == v.s {
				return n // Excel turns a numeric reference into a number
			}
		}
		return v.s
	case vDate:
		if rd.h.excelDates {
			return excelize.Cell{StyleID: st.date, Value: excelSerial(v.d)}
		}
		return rd.date(v.d)
	case vInt:
		return v.n
	case vNum:
		return v.f
	case vMoney:
		if rd.h.poundMoney {
			return rd.money(v.n)
		}
		return excelize.Cell{StyleID: st.money, Value: float64(v.n) / 100}
	}
	return rd.text(f, v)
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// writeNotes adds the sheet people keep beside the data. It is not a kind of
// table and readers ignore it.
func writeNotes(f *excelize.File, rd *renderer, ret *retData) error {
	const sheet = "Notes"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	lines := [][]any{
		{"Return for", rd.o.Name},
		{"Quarter", ret.period.String()},
		{"Prepared on", ret.submitted.String()},
		{"", ""},
		{"Notes", "Outreach sessions include joint events with partner organisations."},
		{"", "Late entries from the previous quarter are at the end of each sheet."},
	}
	for i, l := range lines {
		if err := sw.SetRow("A"+strconv.Itoa(i+1), l); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// sortedZip is the zip writer for workbooks: it keeps the entries until
// Close and writes them sorted by name, without modification times, so that
// the same workbook is always the same bytes.
type sortedZip struct {
	w        io.Writer
	modified time.Time // every entry's time
	names    []string
	entries  map[string]*bytes.Buffer
}

func (z *sortedZip) Create(name string) (io.Writer, error) {
	if z.entries == nil {
		z.entries = map[string]*bytes.Buffer{}
	}
	b, ok := z.entries[name]
	if !ok {
		b = &bytes.Buffer{}
		z.entries[name] = b
		z.names = append(z.names, name)
	}
	b.Reset()
	return b, nil
}

func (z *sortedZip) AddFS(fs.FS) error {
	return errors.New("synth: adding a file system to a workbook is not supported")
}

func (z *sortedZip) Close() error {
	slices.Sort(z.names)
	zw := zip.NewWriter(z.w)
	for _, n := range z.names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: z.modified})
		if err != nil {
			return err
		}
		if _, err := w.Write(z.entries[n].Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}
