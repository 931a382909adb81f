// Package tabular reads the tables of a return (a CSV file, or the sheets of
// an .xlsx workbook) as streams of rows of raw cell text, with the limits that
// keep a hostile or broken file from exhausting a Lambda's memory. It knows
// nothing of the standard: choosing a kind and checking values is validation's
// job, so that both formats share every rule.
package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Limits bound what one upload may make the reader do.
type Limits struct {
	MaxFileBytes     int64 // size of the file as uploaded
	MaxUnpackedBytes int64 // total unpacked size of an .xlsx (zip bombs)
	MaxRows          int   // data rows per table
	// MaxColumns is how many cells of a row are read; the rest are only
	// counted (Row.Beyond), so that a line of millions of commas costs no
	// more memory than a line of this many cells. 0 means no cap.
	MaxColumns int
	// MaxCells bounds a sheet's cells counted as Excel lays them out: each
	// row as wide as its last filled cell. A workbook of a few hundred
	// kilobytes can put a cell in column XFD on a million rows, which would
	// mean reading 16 billion empty cells. 0 means no cap.
	MaxCells int64
}

// ExcelColumns is the number of columns of an Excel sheet (A to XFD): no
// spreadsheet has a cell beyond it, so it is the default cap on cells read.
const ExcelColumns = 16384

// DefaultLimits suit a quarterly return from a small charity with room to
// spare, and a Lambda with 1 GB of memory.
func DefaultLimits() Limits {
	return Limits{MaxFileBytes: 50 << 20, MaxUnpackedBytes: 500 << 20, MaxRows: 1_000_000, MaxColumns: ExcelColumns, MaxCells: 50_000_000}
}

// Format is the kind of file.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// File is an opened return file.
type File struct {
	Name          string
	Format        Format
	Encoding      string // CSV only: utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252
	Tables        []*Table
	IgnoredSheets []string // sheets whose names are not kinds
	closer        io.Closer
}

// Close releases what Open holds (an .xlsx's unpacked parts).
func (f *File) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// Table is one table of a file: the whole of a CSV file, or one sheet.
type Table struct {
	Sheet string // "" for CSV
	// ExcelDates is true when a plain number in a date column is an Excel date
	// serial (a real date cell), and Date1904 says which epoch it counts from.
	ExcelDates bool
	Date1904   bool
	open       func() (RowReader, error)
}

// Rows opens a fresh stream of the table's rows; a table can be read more
// than once (validation reads carers before the tables that refer to them).
func (t *Table) Rows() (RowReader, error) { return t.open() }

// RowReader streams rows. Next returns io.EOF after the last row. The cells
// are valid until the next call to Next.
type RowReader interface {
	Next() (Row, error)
	Close() error
}

// Row is one row as the uploader sees it.
type Row struct {
	Number int      // the row number Excel shows (1 is the first row)
	Cells  [][]byte // raw cell text, UTF-8
	// Beyond counts the non-blank cells past Limits.MaxColumns, which were
	// not read.
	Beyond int
}

// Empty reports whether every cell is blank.
func (r Row) Empty() bool {
	for _, c := range r.Cells {
		if len(bytes.TrimSpace(c)) > 0 {
			return false
		}
	}
	return true
}

// unreadable is the error for a file that cannot be read at all.
func unreadable(format string, args ...any) error {
	return pipeline.Errorf(pipeline.Invalid, format, args...)
}

// ErrTooManyRows is wrapped by a RowReader's error when a table passes
// Limits.MaxRows.
var ErrTooManyRows = errors.New("too many rows")

// Open recognises a file by its content (not its name, which may lie) and
// prepares its tables. kindNames are the sheet names that hold tables; other
// sheets are listed in IgnoredSheets. An error of kind pipeline.Invalid means
// the file cannot be read and says why in words for the uploader.
func Open(name string, r io.ReaderAt, size int64, lim Limits, kindNames []string) (*File, error) {
	if lim.MaxFileBytes > 0 && size > lim.MaxFileBytes {
		return nil, unreadable("the file is %s, over the limit of %s: split it or remove unused rows", megabytes(size), megabytes(lim.MaxFileBytes))
	}
	if size == 0 {
		return nil, unreadable("the file is empty")
	}
	head := make([]byte, min(size, 8192))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return openXLSX(name, r, size, lim, kindNames)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		if isEncryptedOffice(r, size) {
			return nil, unreadable("the workbook is protected with a password: remove the password (File > Info > Protect Workbook) and save it as .xlsx again")
		}
		return nil, unreadable("this is an old Excel 97-2003 (.xls) or other Office binary file: save it as Excel Workbook (.xlsx) or CSV UTF-8")
	case bytes.HasPrefix(head, []byte("%PDF")):
		return nil, unreadable("this is a PDF, not a spreadsheet: send the return as .xlsx or CSV")
	}
	if ext := strings.ToLower(path.Ext(name)); ext == ".xlsx" || ext == ".xlsm" {
		return nil, unreadable("the file is named %s but is not an Excel workbook: it may be damaged; save it again from Excel as .xlsx", ext)
	}
	return openCSV(name, r, size, lim)
}

func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// isEncryptedOffice looks for the EncryptionInfo stream name (UTF-16) that
// Office writes into a password-protected OOXML file's CFB container.
func isEncryptedOffice(r io.ReaderAt, size int64) bool {
	buf := make([]byte, min(size, 1<<20))
	n, _ := r.ReadAt(buf, 0)
	needle := []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o\x00")
	return bytes.Contains(buf[:n], needle)
}
