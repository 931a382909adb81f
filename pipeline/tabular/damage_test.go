package tabular

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	unicode16 "unicode/utf16"

	"github.com/carer-outcomes/carer-outcomes/internal/booktest"
	"github.com/carer-outcomes/carer-outcomes/internal/zipdamage"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// bigWorkbook is a carers sheet of n rows, large enough that a damaged
// sheet leaves a readable first part (the silent loss the check prevents).
func bigWorkbook(tb testing.TB, n int) []byte {
	tb.Helper()
	return booktest.Sheet(tb, "carers", n+1, func(i int) []any {
		if i == 1 {
			return []any{"client_ref", "registration_date", "employment_status", "consent_followup"}
		}
		return []any{fmt.Sprintf("C%05d", i), "2026-07-01", "UNEMPLOYED", "Y"}
	})
}

func TestOpen_DamagedWorkbook(t *testing.T) {
	good := bigWorkbook(t, 3000)
	if _, rows, err := readAll(t, "good.xlsx", good, DefaultLimits()); err != nil || len(rows) != 3001 {
		t.Fatalf("the undamaged workbook: %d rows, %v", len(rows), err)
	}
	for _, entry := range []string{"xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"} {
		for _, d := range zipdamage.All() {
			t.Run(entry+"/"+string(d), func(t *testing.T) {
				bad, err := zipdamage.Apply(good, entry, d)
				if err != nil {
					t.Fatal(err)
				}
				_, rows, err := readAll(t, "bad.xlsx", bad, DefaultLimits())
				if err == nil {
					t.Fatalf("read %d rows without error", len(rows))
				}
				if pipeline.KindOf(err) != pipeline.Invalid {
					t.Errorf("error kind = %v, want invalid: %v", pipeline.KindOf(err), err)
				}
				if !bytes.Contains([]byte(err.Error()), []byte("the workbook is damaged: open it in Excel and save it again")) {
					t.Errorf("error %q does not say %q", err, "the workbook is damaged: open it in Excel and save it again")
				}
			})
		}
	}
}

func TestOpen_DamagedCSV(t *testing.T) {
	text := []byte{0xFF, 0xFE}
	for _, u := range unicode16.Encode([]rune("client_ref,registration_date\r\nC1,2026-07-01\r\nC2 \U0001F600,2026-07-02\r\n")) {
		text = binary.LittleEndian.AppendUint16(text, u)
	}
	emoji := bytes.Index(text, []byte{0x3D, 0xD8}) // the high surrogate of U+1F600
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"odd number of bytes", text[:len(text)-1], "odd number of bytes"},
		{"cut inside a surrogate pair", text[:emoji+2], "half a character"},
		{"lone low surrogate", append(bytes.Clone(text[:emoji]), text[emoji+2:]...), "half a character"},
		{"lone high surrogate", append(bytes.Clone(text[:emoji+2]), text[emoji+4:]...), "half a character"},
	}
	if _, _, err := readAll(t, "ok.csv", text, DefaultLimits()); err != nil {
		t.Fatalf("the whole file: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, "cut.csv", tt.data, DefaultLimits())
			if err == nil {
				t.Fatal("read without error")
			}
			if pipeline.KindOf(err) != pipeline.Invalid || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "damaged") {
				t.Errorf("error %v (%v), want invalid saying %q", err, pipeline.KindOf(err), tt.want)
			}
		})
	}
}

// failingReader fails every read that reaches past its first n bytes, as a
// storage read that breaks part way does.
type failingReader struct {
	data []byte
	n    int64
}

var errStorage = errors.New("connection reset")

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.n {
		return 0, errStorage
	}
	return copy(p, f.data[off:]), nil
}

func TestOpen_ReadErrorPartWay(t *testing.T) {
	csvData := []byte("client_ref,registration_date\n" + strings.Repeat("C1,2026-07-01\n", 20000))
	book := bigWorkbook(t, 3000)
	for _, tt := range []struct {
		name string
		data []byte
	}{{"csv", csvData}, {"xlsx", book}} {
		t.Run(tt.name, func(t *testing.T) {
			r := failingReader{tt.data, int64(len(tt.data)) / 2}
			f, err := Open("f."+tt.name, r, int64(len(tt.data)), DefaultLimits(), kinds)
			if err == nil {
				defer f.Close()
				t.Fatal("opened without error")
			}
			if !errors.Is(err, errStorage) || pipeline.KindOf(err) == pipeline.Invalid {
				t.Errorf("error %v (kind %v): want the storage error, not a verdict on the file", err, pipeline.KindOf(err))
			}
		})
	}
}

// farRightWorkbook is a carers sheet of n rows with a cell in column XFD on
// each: a few hundred kilobytes that excelize reads as n × 16,384 cells.
func farRightWorkbook(tb testing.TB, n int) []byte {
	tb.Helper()
	row := make([]any, ExcelColumns)
	return booktest.Sheet(tb, "carers", n, func(i int) []any {
		row[0], row[1], row[2], row[3], row[ExcelColumns-1] = fmt.Sprintf("C%05d", i), "2026-07-01", "U", "Y", "x"
		return row
	})
}

func TestOpen_MaxCells(t *testing.T) {
	book := farRightWorkbook(t, 200)
	lim := DefaultLimits()
	lim.MaxCells = 100 * ExcelColumns
	_, rows, err := readAll(t, "far.xlsx", book, lim)
	if err == nil || pipeline.KindOf(err) != pipeline.Invalid || !strings.Contains(err.Error(), "column XFD") {
		t.Fatalf("read %d rows, error %v: want the sheet refused for its width", len(rows), err)
	}
	if len(rows) > 100 {
		t.Errorf("read %d rows before refusing, want at most 100", len(rows))
	}
	lim.MaxCells = 200 * ExcelColumns
	if _, rows, err := readAll(t, "far.xlsx", book, lim); err != nil || len(rows) != 200 {
		t.Errorf("within the cap: %d rows, %v", len(rows), err)
	}
}

// TestOpen_DeclaredSizesWrapRound: two entries that each declare 2^63 bytes
// add up to 0 in 64 bits; the workbook's own check must still refuse them.
func TestOpen_DeclaredSizesWrapRound(t *testing.T) {
	good := bigWorkbook(t, 10)
	bad, err := zipdamage.DeclareSize(good, 1<<63, "xl/worksheets/sheet1.xml", "xl/workbook.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(t, "wrap.xlsx", bad, DefaultLimits())
	if err == nil || !strings.Contains(err.Error(), "unpacks to") {
		t.Errorf("error %v, want the unpacked-size limit", err)
	}
}
