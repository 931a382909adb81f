// Package booktest builds workbooks for tests and benchmarks: one sheet,
// streamed row by row, so that a sheet of a million rows costs no more
// memory than a sheet of ten.
package booktest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Sheet returns an .xlsx with one sheet called name, whose row i (from 1) is
// row(i), for i up to n. A nil value leaves its cell empty.
func Sheet(tb testing.TB, name string, n int, row func(i int) []any) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		tb.Fatal(err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if err := sw.SetRow(fmt.Sprintf("A%d", i), row(i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
