package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/zipdamage"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

var kinds = []string{"carers", "support", "outcomes", "followups", "finance"}

// readAll opens data as a file and returns every table's rows as strings,
// each row prefixed with its number.
func readAll(tb testing.TB, name string, data []byte, lim Limits) (*File, [][]string, error) {
	tb.Helper()
	f, err := Open(name, bytes.NewReader(data), int64(len(data)), lim, kinds)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var rows [][]string
	for _, t := range f.Tables {
		rr, err := t.Rows()
		if err != nil {
			return f, rows, err
		}
		for {
			r, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rr.Close()
				return f, rows, err
			}
			row := []string{strings.Repeat("#", r.Number)}
			for _, c := range r.Cells {
				row = append(row, string(c))
			}
			rows = append(rows, row)
		}
		rr.Close()
	}
	return f, rows, nil
}

func utf16(s string, bigEndian bool) []byte {
	out := []byte{0xFF, 0xFE}
	if bigEndian {
		out = []byte{0xFE, 0xFF}
	}
	for _, r := range s { // test strings are within the BMP
		lo, hi := byte(r), byte(r>>8)
		if bigEndian {
			out = append(out, hi, lo)
		} else {
			out = append(out, lo, hi)
		}
	}
	return out
}

func TestOpen_CSV(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		encoding string
		want     [][]string
	}{
		{"plain", []byte("a,b\n1,2\n"), "utf-8", [][]string{{"#", "a", "b"}, {"##", "1", "2"}}},
		{"bom and crlf", []byte("\xEF\xBB\xBFa,b\r\n1,2\r\n"), "utf-8-bom", [][]string{{"#", "a", "b"}, {"##", "1", "2"}}},
		{"no final newline", []byte("a,b\n1,2"), "utf-8", [][]string{{"#", "a", "b"}, {"##", "1", "2"}}},
		{"blank line keeps numbering", []byte("a\n\n3\n"), "utf-8", [][]string{{"#", "a"}, {"##", ""}, {"###", "3"}}},
		{"quotes", []byte("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n"), "utf-8", [][]string{{"#", "a", "b"}, {"##", "x, y", `say "hi"`}}},
		{"quoted newline is one row", []byte("a,b\n\"line 1\r\nline 2\",z\nnext,row\n"), "utf-8",
			[][]string{{"#", "a", "b"}, {"##", "line 1\nline 2", "z"}, {"###", "next", "row"}}},
		{"empty quoted cell", []byte("a,b\n\"\",x\n"), "utf-8", [][]string{{"#", "a", "b"}, {"##", "", "x"}}},
		{"windows-1252", []byte("cost\n\"\xA31,234\"\n"), "windows-1252", [][]string{{"#", "cost"}, {"##", "£1,234"}}},
		{"utf-16le", utf16("a,b\r\n£1,é\r\n", false), "utf-16le", [][]string{{"#", "a", "b"}, {"##", "£1", "é"}}},
		{"utf-16be", utf16("a,b\n£1,é\n", true), "utf-16be", [][]string{{"#", "a", "b"}, {"##", "£1", "é"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, got, err := readAll(t, "t.csv", tt.data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if f.Encoding != tt.encoding {
				t.Errorf("encoding = %s, want %s", f.Encoding, tt.encoding)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpen_Unreadable(t *testing.T) {
	big := bytes.Repeat([]byte("a,b\n"), 300)
	tests := []struct {
		name string
		file string
		data []byte
		lim  Limits
		want string // part of the message
	}{
		{"empty", "e.csv", nil, DefaultLimits(), "empty"},
		{"whitespace", "w.csv", []byte(" \r\n\t\n"), DefaultLimits(), "no data"},
		{"nul bytes", "n.csv", []byte("a\x00b\x00"), DefaultLimits(), "not text"},
		{"too large", "l.csv", big, Limits{MaxFileBytes: 100}, "over the limit"},
		{"too many rows", "r.csv", big, Limits{MaxRows: 10}, "too many rows"},
		{"open quote", "q.csv", []byte("a,b\n\"x,y\nz\n"), DefaultLimits(), "never closed"},
		{"xls", "o.xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), DefaultLimits(), "97-2003"},
		{"encrypted", "p.xlsx", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1..E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o\x00"), DefaultLimits(), "password"},
		{"not a workbook", "x.xlsx", []byte("hello,world\n"), DefaultLimits(), "not an Excel workbook"},
		{"bad zip", "z.xlsx", []byte("PK\x03\x04garbage"), DefaultLimits(), "damaged"},
		{"pdf", "d.csv", []byte("%PDF-1.7 ..."), DefaultLimits(), "PDF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.file, tt.data, tt.lim)
			if err == nil {
				t.Fatal("read without error")
			}
			if pipeline.KindOf(err) != pipeline.Invalid {
				t.Errorf("error kind = %v, want invalid: %v", pipeline.KindOf(err), err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	t.Run("too many rows wraps ErrTooManyRows", func(t *testing.T) {
		_, _, err := readAll(t, "r.csv", big, Limits{MaxRows: 10})
		if !errors.Is(err, ErrTooManyRows) {
			t.Errorf("error %v does not wrap ErrTooManyRows", err)
		}
	})
}

// FuzzCSV checks the reader against encoding/csv: whenever encoding/csv reads
// an input, this reader reads the same records (it keeps the blank lines that
// encoding/csv skips), and it never panics.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"x\"\"y\",z\r\n", "a\n\n\"multi\nline\",c", "\xEF\xBB\xBFa,b", "\"open,quote\n", "x,\"y\"z\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, rows, err := readAll(t, "f.csv", data, Limits{MaxRows: 1000})
		if err != nil {
			return
		}
		if !bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) && (len(data) < 2 || data[0] != 0xFF && data[0] != 0xFE) {
			if !utf8Valid(data) || bytes.ContainsAny(data, "\r") {
				return
			}
			r := csv.NewReader(bytes.NewReader(data))
			r.FieldsPerRecord = -1
			want, err := r.ReadAll()
			if err != nil {
				return
			}
			var got [][]string
			for _, row := range rows {
				if len(row) == 2 && row[1] == "" {
					continue // a blank line
				}
				got = append(got, row[1:])
			}
			// A lone empty cell and a blank line look alike once read.
			want = slices.DeleteFunc(want, func(r []string) bool { return len(r) == 1 && r[0] == "" })
			if (len(got) > 0 || len(want) > 0) && !reflect.DeepEqual(got, want) {
				t.Fatalf("read %q as %q, encoding/csv reads %q", data, got, want)
			}
		}
	})
}

func utf8Valid(b []byte) bool { return strings.ToValidUTF8(string(b), "") == string(b) }

// FuzzXLSX feeds damaged workbooks to the reader: it must refuse them with an
// invalid error or read them, never panic or run away, and never take a
// damaged archive for a storage failure.
func FuzzXLSX(f *testing.F) {
	for _, dir := range []string{"../../testdata/good", "../../testdata/bad"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.xlsx"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil || len(b) >= 64<<10 {
				continue
			}
			f.Add(b)
			// The same workbook damaged in every way a disk, a transfer or
			// a broken writer damages a zip.
			for _, d := range zipdamage.All() {
				if bad, err := zipdamage.Apply(b, zipdamage.FirstSheet(b), d); err == nil {
					f.Add(bad)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := readAll(t, "f.xlsx", data, Limits{MaxFileBytes: 1 << 20, MaxUnpackedBytes: 8 << 20, MaxRows: 1000})
		if err != nil && pipeline.KindOf(err) != pipeline.Invalid {
			t.Fatalf("error of kind %v: %v", pipeline.KindOf(err), err)
		}
	})
}

func TestOpen_MaxColumns(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxColumns = 3
	tests := []struct {
		name   string
		data   string
		cells  []string
		beyond int
	}{
		{"fast path", "a,b,c,d,,e\n", []string{"a", "b", "c"}, 2},
		{"quoted", "\"a\",b,\"c,c\",\"d\nd\",\" \",e\n", []string{"a", "b", "c,c"}, 2},
		{"within the cap", "a,b\n", []string{"a", "b"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open("w.csv", strings.NewReader(tt.data), int64(len(tt.data)), lim, kinds)
			if err != nil {
				t.Fatal(err)
			}
			rr, err := f.Tables[0].Rows()
			if err != nil {
				t.Fatal(err)
			}
			defer rr.Close()
			r, err := rr.Next()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range r.Cells {
				got = append(got, string(c))
			}
			if !slices.Equal(got, tt.cells) || r.Beyond != tt.beyond {
				t.Errorf("cells %q, beyond %d; want %q, %d", got, r.Beyond, tt.cells, tt.beyond)
			}
			if _, err := rr.Next(); err != io.EOF {
				t.Errorf("after the row: %v, want EOF (the quoted line break is inside the record)", err)
			}
		})
	}
}
