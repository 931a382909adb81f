package ingest

import (
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// ValueCounter counts the coded values of the rows of one table as they are
// stored, for the ingest log (lake.ValueCounts). Counting while the rows
// pass costs a few additions a row; the data quality report then reads a
// handful of numbers per return instead of every row. It is not safe for
// concurrent use.
type ValueCounter struct {
	width   int   // the kind's number of fields
	index   []int // by coded field: its position in a record
	names   []string
	lists   []*standard.CodeList
	missing []int
	codes   [][]int // by coded field, then by code's position in its list
	rows    int
}

// NewValueCounter counts the fields of k that have a code list, so that the
// columns come from the standard and from nowhere else.
func NewValueCounter(k *standard.Kind) *ValueCounter {
	c := &ValueCounter{width: len(k.Fields)}
	for _, f := range k.Fields {
		if f.CodeList == nil {
			continue
		}
		c.index = append(c.index, f.Index)
		c.names = append(c.names, f.Name)
		c.lists = append(c.lists, f.CodeList)
		c.missing = append(c.missing, 0)
		c.codes = append(c.codes, make([]int, len(f.CodeList.Entries)))
	}
	return c
}

// Add counts one stored row, whose code values hold their entry's position
// in the code list (as validation leaves them).
func (c *ValueCounter) Add(rec *validate.Record) {
	// A record of another shape is refused by the Parquet writer before it
	// gets here; checking once keeps the loop free of bounds surprises.
	if len(rec.Values) != c.width {
		return
	}
	c.rows++
	for i, at := range c.index {
		v := &rec.Values[at]
		if !v.Present {
			c.missing[i]++
			continue
		}
		if n := c.codes[i]; v.Int >= 0 && v.Int < int64(len(n)) {
			n[v.Int]++
		}
	}
}

// Counts returns what has been counted, each code under its name.
func (c *ValueCounter) Counts() *lake.ValueCounts {
	out := &lake.ValueCounts{Rows: c.rows, Columns: make([]lake.ColumnCounts, len(c.index))}
	for i := range c.index {
		col := lake.ColumnCounts{Column: c.names[i], Missing: c.missing[i]}
		for j, n := range c.codes[i] {
			if n == 0 {
				continue
			}
			if col.Codes == nil {
				col.Codes = map[string]int{}
			}
			col.Codes[c.lists[i].Entries[j].Code] = n
		}
		out.Columns[i] = col
	}
	return out
}
