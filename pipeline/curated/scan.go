package curated

import (
	"fmt"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/schemas"
)

// ScanCarers calls fn with the pseudonym and registration date of every row
// of a curated carers file, reading only those two columns, so that a new
// upload's client references can be checked against earlier uploads. The
// pseudonym's bytes are valid only during the call: a registry of a
// million carers keeps a number made from each, never the string.
//
// The columns are found through the version of the standard the file names
// in its metadata. A file that is not a curated carers file is Invalid; an
// error from fn stops the scan and is returned as it is.
func ScanCarers(r io.ReaderAt, size int64, fn func(carerID []byte, registered pipeline.Days) error) error {
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return pipeline.Errorf(pipeline.Invalid, "scan carers: open Parquet: %w", err)
	}
	idCol, regCol, err := carerColumns(f)
	if err != nil {
		return fmt.Errorf("scan carers: %w", err)
	}
	for gi, rg := range f.RowGroups() {
		chunks := rg.ColumnChunks()
		ids, regs := newCursor(chunks[idCol]), newCursor(chunks[regCol])
		fnErr, err := scanGroup(rg.NumRows(), ids, regs, fn)
		ids.close()
		regs.close()
		if fnErr != nil {
			return fnErr
		}
		if err != nil {
			return pipeline.Errorf(pipeline.Invalid, "scan carers: row group %d: %w", gi, err)
		}
	}
	return nil
}

// scanGroup reads one row group; it returns fn's error, or an error reading
// the file.
func scanGroup(n int64, ids, regs *cursor, fn func([]byte, pipeline.Days) error) (fnErr, err error) {
	for range n {
		id, err := ids.next()
		if err != nil {
			return nil, err
		}
		reg, err := regs.next()
		if err != nil {
			return nil, err
		}
		if id.IsNull() || reg.IsNull() {
			return nil, fmt.Errorf("a carer without a pseudonym or a registration date")
		}
		if err := fn(id.ByteArray(), pipeline.Days(reg.Int32())); err != nil {
			return err, nil
		}
	}
	return nil, nil
}

// carerColumns finds the pseudonym and registration date columns of a
// curated carers file, checking their types.
func carerColumns(f *parquet.File) (id, reg int, err error) {
	kind, _ := f.Lookup(MetaKind)
	vtext, _ := f.Lookup(MetaSchemaVersion)
	version, err := strconv.Atoi(vtext)
	if err != nil {
		return 0, 0, pipeline.Errorf(pipeline.Invalid, "not a curated file: no %s", MetaSchemaVersion)
	}
	fsys, err := schemas.Version(version)
	if err != nil {
		return 0, 0, pipeline.Errorf(pipeline.Invalid, "standard version %d: %w", version, err)
	}
	std, err := standard.Load(fsys)
	if err != nil {
		return 0, 0, pipeline.Errorf(pipeline.Internal, "load standard version %d: %w", version, err)
	}
	k := std.Kind(kind)
	if k == nil || k.Field(registrationField) == nil {
		return 0, 0, pipeline.Errorf(pipeline.Invalid, "a %q file is not a carers file", kind)
	}
	t, err := newTable(std, k)
	if err != nil {
		return 0, 0, pipeline.Errorf(pipeline.Internal, "derive curated table %s: %w", k.Name, err)
	}
	var idName string
	for _, c := range t.Columns {
		if c.Derived != nil && c.Derived.Rule == rulePseudonym {
			idName = c.Name
		}
	}
	leaf := func(name string, kind parquet.Kind) (int, error) {
		col, ok := f.Schema().Lookup(name)
		if !ok || name == "" {
			return 0, pipeline.Errorf(pipeline.Invalid, "no column %q", name)
		}
		if col.Node.Type().Kind() != kind || col.MaxRepetitionLevel != 0 {
			return 0, pipeline.Errorf(pipeline.Invalid, "column %s is %s, want %s", name, col.Node.Type(), kind)
		}
		return col.ColumnIndex, nil
	}
	if id, err = leaf(idName, parquet.ByteArray); err != nil {
		return 0, 0, err
	}
	if reg, err = leaf(registrationField, parquet.Int32); err != nil {
		return 0, 0, err
	}
	return id, reg, nil
}

// cursor reads one column chunk's values in order, a page at a time.
type cursor struct {
	pages parquet.Pages
	vals  parquet.ValueReader
	buf   []parquet.Value
	i, n  int
}

func newCursor(c parquet.ColumnChunk) *cursor {
	return &cursor{pages: c.Pages(), buf: make([]parquet.Value, 1024)}
}

// next returns the next value. A byte array's bytes are valid until the
// following call.
func (c *cursor) next() (parquet.Value, error) {
	for c.i == c.n {
		if c.vals == nil {
			p, err := c.pages.ReadPage()
			if err == io.EOF {
				return parquet.Value{}, fmt.Errorf("the column has fewer values than the row group has rows")
			}
			if err != nil {
				return parquet.Value{}, err
			}
			c.vals = p.Values()
		}
		n, err := c.vals.ReadValues(c.buf)
		c.i, c.n = 0, n
		if err == io.EOF {
			c.vals = nil
		} else if err != nil {
			return parquet.Value{}, err
		}
	}
	v := c.buf[c.i]
	c.i++
	return v, nil
}

func (c *cursor) close() { c.pages.Close() }
