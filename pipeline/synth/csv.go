package synth

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// csvWriter writes CSV as Excel saves it: comma-separated, fields quoted only
// when they must be, CRLF or LF line ends, UTF-8 or Windows-1252.
type csvWriter struct {
	w      *bufio.Writer
	crlf   bool
	cp1252 bool
	err    error
}

func newCSVWriter(w io.Writer, crlf, cp1252 bool) *csvWriter {
	return &csvWriter{w: bufio.NewWriterSize(w, 256<<10), crlf: crlf, cp1252: cp1252}
}

func (c *csvWriter) row(cells []string) {
	if c.err != nil {
		return
	}
	for i, s := range cells {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if needsQuotes(s) {
			c.w.WriteByte('"')
			c.field(strings.ReplaceAll(s, `"`, `""`))
			c.w.WriteByte('"')
		} else {
			c.field(s)
		}
	}
	if c.crlf {
		c.w.WriteByte('\r')
	}
	if err := c.w.WriteByte('\n'); err != nil && c.err == nil {
		c.err = err
	}
}

func needsQuotes(s string) bool {
	for i := range len(s) {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// field writes a field's text, in Windows-1252 if asked. Only the Latin-1
// part of Windows-1252 is written (such as £ as byte 0xA3); anything else is
// an error rather than a file that says something other than intended.
func (c *csvWriter) field(s string) {
	if !c.cp1252 {
		c.w.WriteString(s)
		return
	}
	for _, r := range s {
		switch {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			c.w.WriteByte(byte(r))
		default:
			if c.err == nil {
				c.err = fmt.Errorf("write Windows-1252: %q cannot be written", r)
			}
		}
	}
}

func (c *csvWriter) flush() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// writeCSVs writes a return as five CSV files, one per kind.
func writeCSVs(out, dir string, ret *retData, rd *renderer) ([]string, error) {
	var files []string
	for kind := range nKinds {
		name := path.Join(dir, kindName(kind)+".csv")
		if err := writeCSV(filepath.Join(out, filepath.FromSlash(name)), kind, ret.tables[kind], rd); err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	return files, nil
}

func writeCSV(file string, kind int, rows []tableRow, rd *renderer) (err error) {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	h := rd.h
	w := newCSVWriter(f, h.crlf, h.cp1252)
	if h.bom && !h.cp1252 {
		w.w.WriteString("\uFEFF")
	}
	cols := rd.layout(kind)
	w.row(rd.header(kind, cols))
	var cells []string
	for _, tr := range rows {
		cells = rd.cells(kind, cols, tr.row, cells)
		w.row(cells)
	}
	if h.trailingRows && rd.r.Float64() < 0.6 {
		empty := make([]string, len(cols))
		for range 1 + rd.r.IntN(3) {
			w.row(empty)
		}
	}
	return w.flush()
}
