package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// damagedWorkbook is what a data officer is told about a workbook whose
// archive or XML is broken; the detail after it is for whoever helps them.
const damagedWorkbook = "the workbook is damaged: open it in Excel and save it again"

func damaged(detail string, err error) error {
	return unreadable("%s (%s: %v)", damagedWorkbook, detail, err)
}

// ioRecorder remembers the first error of the underlying storage, so that a
// failed read (worth retrying) is told apart from a damaged archive (not).
// A read outside the file is the archive's doing (a crafted offset), never
// the storage's.
type ioRecorder struct {
	r    io.ReaderAt
	size int64
	err  error
}

func (rec *ioRecorder) ReadAt(p []byte, off int64) (int, error) {
	switch {
	case off < 0:
		return 0, errOutside
	case off >= rec.size:
		return 0, io.EOF
	}
	n, err := rec.r.ReadAt(p, off)
	if err != nil && err != io.EOF && rec.err == nil {
		rec.err = err
	}
	return n, err
}

var errOutside = errors.New("a part of the archive points outside the file")

// openXLSX checks the zip's declared sizes before anything is unpacked, then
// unpacks every entry once to check it whole: Go's zip reader refuses an
// entry that unpacks to more or less than it declares or fails its checksum,
// but excelize drops those errors and keeps the part read so far, which would
// store the first rows of a damaged sheet and silently lose the rest. The
// declared total is a safe bound against zip bombs; it saturates rather than
// wrapping round on a crafted archive's huge sizes.
func openXLSX(name string, r io.ReaderAt, size int64, lim Limits, kindNames []string) (*File, error) {
	rec := &ioRecorder{r: r, size: size}
	zr, err := zip.NewReader(rec, size)
	if rec.err != nil {
		return nil, fmt.Errorf("read %s: %w", name, rec.err)
	}
	if err != nil {
		return nil, damaged("zip", err)
	}
	var unpacked uint64
	workbook := false
	for _, f := range zr.File {
		if unpacked > math.MaxUint64-f.UncompressedSize64 {
			unpacked = math.MaxUint64
		} else {
			unpacked += f.UncompressedSize64
		}
		if f.Name == "xl/workbook.xml" {
			workbook = true
		}
	}
	if lim.MaxUnpackedBytes > 0 && unpacked > uint64(lim.MaxUnpackedBytes) {
		return nil, unreadable("the workbook unpacks to %s, over the limit of %s: remove unused sheets or rows, or send CSV files", megabytes(int64(min(unpacked, 1<<62))), megabytes(lim.MaxUnpackedBytes))
	}
	if !workbook {
		return nil, unreadable("the file is a zip archive but not an Excel workbook: send .xlsx or CSV files, not a zip or OpenDocument file")
	}
	for _, f := range zr.File {
		if err := checkEntry(f); err != nil {
			if rec.err != nil {
				return nil, fmt.Errorf("read %s: %w", name, rec.err)
			}
			return nil, damaged(f.Name, err)
		}
	}
	opts := excelize.Options{RawCellValue: true}
	if lim.MaxUnpackedBytes > 0 {
		opts.UnzipSizeLimit = lim.MaxUnpackedBytes
		opts.UnzipXMLSizeLimit = min(lim.MaxUnpackedBytes, 16<<20)
	}
	xf, err := excelize.OpenReader(io.NewSectionReader(rec, 0, size), opts)
	if rec.err != nil {
		if xf != nil {
			xf.Close()
		}
		return nil, fmt.Errorf("read %s: %w", name, rec.err)
	}
	if err != nil {
		return nil, damaged("workbook", err)
	}
	props, err := xf.GetWorkbookProps()
	if err != nil {
		xf.Close()
		return nil, damaged("workbook properties", err)
	}
	date1904 := props.Date1904 != nil && *props.Date1904
	file := &File{Name: name, Format: XLSX, closer: xf}
	for _, sheet := range xf.GetSheetList() {
		if !isKindName(sheet, kindNames) {
			file.IgnoredSheets = append(file.IgnoredSheets, sheet)
			continue
		}
		file.Tables = append(file.Tables, &Table{
			Sheet: sheet, ExcelDates: true, Date1904: date1904,
			open: func() (RowReader, error) {
				rows, err := xf.Rows(sheet)
				if err != nil {
					return nil, damaged(fmt.Sprintf("sheet %q", sheet), err)
				}
				return &xlsxReader{sheet: sheet, rows: rows, maxRows: lim.MaxRows, maxCols: lim.MaxColumns, maxCells: lim.MaxCells}, nil
			},
		})
	}
	return file, nil
}

// checkEntry unpacks one entry to nowhere, for its errors: a checksum or
// size mismatch shows only once the whole entry has been read. An XML part
// must also end with its root element's end tag: excelize stops quietly at
// the end of a sheet cut off half way, inside a zip that is otherwise sound.
func checkEntry(f *zip.File) error {
	if f.FileInfo().IsDir() {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	var ends xmlEnds
	if _, err := io.Copy(&ends, rc); err != nil {
		return err
	}
	if name := strings.ToLower(f.Name); strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
		return ends.check()
	}
	return nil
}

// xmlEnds keeps the first and last bytes of a part.
type xmlEnds struct{ head, tail []byte }

func (e *xmlEnds) Write(p []byte) (int, error) {
	if len(e.head) < 4096 {
		e.head = append(e.head, p[:min(len(p), 4096-len(e.head))]...)
	}
	e.tail = append(e.tail, p[max(0, len(p)-256):]...)
	if len(e.tail) > 256 {
		e.tail = append(e.tail[:0], e.tail[len(e.tail)-256:]...)
	}
	return len(p), nil
}

var errCutXML = errors.New("the XML stops before its end: the part was cut off")

// check finds the root element's name in the head and its end in the tail.
// A part whose root it cannot find is left to the XML reader.
func (e *xmlEnds) check() error {
	h := bytes.TrimPrefix(e.head, []byte("\xEF\xBB\xBF"))
	for {
		h = bytes.TrimLeft(h, " \t\r\n")
		switch {
		case bytes.HasPrefix(h, []byte("<?")):
			i := bytes.Index(h, []byte("?>"))
			if i < 0 {
				return nil
			}
			h = h[i+2:]
			continue
		case bytes.HasPrefix(h, []byte("<!--")):
			i := bytes.Index(h, []byte("-->"))
			if i < 0 {
				return nil
			}
			h = h[i+3:]
			continue
		}
		break
	}
	if len(h) < 2 || h[0] != '<' {
		return nil
	}
	i := bytes.IndexAny(h, " \t\r\n/>")
	if i < 0 {
		return nil
	}
	root := h[1:i]
	tail := bytes.TrimRight(e.tail, " \t\r\n")
	if bytes.HasSuffix(tail, append(append([]byte("</"), root...), '>')) {
		return nil
	}
	// A root element with no content (<Relationships/>) is whole.
	if end := bytes.IndexByte(h, '>'); end > 0 && h[end-1] == '/' {
		return nil
	}
	return errCutXML
}

func isKindName(sheet string, kindNames []string) bool {
	s := strings.ToLower(strings.TrimSpace(sheet))
	for _, k := range kindNames {
		if s == k {
			return true
		}
	}
	return false
}

type xlsxReader struct {
	sheet    string
	rows     *excelize.Rows
	maxRows  int
	maxCols  int
	maxCells int64
	cells    int64 // the cells of the rows read so far, empty ones included
	n, data  int
	buf      []byte
	row      [][]byte
}

func (x *xlsxReader) Close() error { return x.rows.Close() }

// Next implements RowReader. excelize's iterator visits every row index up to
// the last used one, so counting calls gives the row number Excel shows.
func (x *xlsxReader) Next() (Row, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return Row{}, damaged(fmt.Sprintf("after row %d", x.n), err)
		}
		return Row{}, io.EOF
	}
	x.n++
	cols, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return Row{}, damaged(fmt.Sprintf("row %d", x.n), err)
	}
	// excelize fills a row with empty cells up to its last filled one, so
	// the work of a row is its width, not its filled cells.
	if x.cells += int64(len(cols)); x.maxCells > 0 && x.cells > x.maxCells {
		return Row{}, unreadable("sheet %q has cells far to the right on many rows (up to column %s on row %d): it spans more than %d million cells, the limit; delete the columns you do not use (select them, right-click, Delete) and save it again",
			x.sheet, columnName(len(cols)), x.n, x.maxCells/1_000_000)
	}
	beyond := 0
	if x.maxCols > 0 && len(cols) > x.maxCols {
		for _, c := range cols[x.maxCols:] {
			if strings.TrimSpace(c) != "" {
				beyond++
			}
		}
		cols = cols[:x.maxCols]
	}
	x.buf = x.buf[:0]
	ends := make([]int, 0, len(cols))
	for _, c := range cols {
		x.buf = append(x.buf, shortestFloat(c)...)
		ends = append(ends, len(x.buf))
	}
	x.row = x.row[:0]
	prev := 0
	for _, e := range ends {
		x.row = append(x.row, x.buf[prev:e:e])
		prev = e
	}
	r := Row{Number: x.n, Cells: x.row, Beyond: beyond}
	if x.maxRows > 0 && (beyond > 0 || !r.Empty()) {
		if x.data++; x.data > x.maxRows+1 {
			return Row{}, unreadable("row %d: %w: a table may have at most %d data rows; split the sheet", x.n, ErrTooManyRows, x.maxRows)
		}
	}
	return r, nil
}

// columnName is Excel's name of the n-th column (1 is A).
func columnName(n int) string {
	name, err := excelize.ColumnNumberToName(max(n, 1))
	if err != nil {
		return fmt.Sprint(n)
	}
	return name
}

// shortestFloat rewrites a number Excel stored with binary noise
// (1234.5599999999999) as the shortest decimal that reads back to the same
// double (1234.56), which is what the uploader typed and saw.
func shortestFloat(s string) string {
	if len(s) < 16 || strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == 'E' || r == 'e' || r == '+')
	}) >= 0 {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
