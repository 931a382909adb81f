package curated

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// parquetSchema builds the table's Parquet schema. parquet.Group would sort
// the columns by name; the curated order (lake columns, then the standard's
// order) is what analysts see in Athena, so the root is an ordered group.
//
// Every leaf is configured explicitly rather than left to parquet-go's
// defaults (strings would be DELTA_LENGTH_BYTE_ARRAY, which some readers
// reject): dictionary or plain encoding, compressed with codec.
func (t *Table) parquetSchema(codec compress.Codec) (*parquet.Schema, error) {
	if len(t.Columns) == 0 || len(t.plans) != len(t.Columns) {
		return nil, pipeline.Errorf(pipeline.Internal, "build Parquet schema of %s: the table was not made by Tables", t.name())
	}
	root := make(orderedGroup, len(t.Columns))
	for i := range t.Columns {
		c := &t.Columns[i]
		var node parquet.Node
		switch c.Type {
		case String:
			node = parquet.String()
		case Date:
			node = parquet.Date()
		case Int32:
			node = parquet.Int(32)
		case Int64:
			node = parquet.Int(64)
		case Double:
			node = parquet.Leaf(parquet.DoubleType)
		case Decimal:
			if c.Precision < 10 || c.Precision > 18 || c.Scale < 0 || c.Scale > c.Precision {
				return nil, pipeline.Errorf(pipeline.Internal, "build Parquet schema of %s: column %s: decimal(%d,%d) is not stored in 64 bits", t.name(), c.Name, c.Precision, c.Scale)
			}
			node = parquet.Decimal(c.Scale, c.Precision, parquet.Int64Type)
		default:
			return nil, pipeline.Errorf(pipeline.Internal, "build Parquet schema of %s: column %s has type %s", t.name(), c.Name, c.Type)
		}
		// Values that repeat (codes, bands, small numbers, days) are
		// dictionary encoded: a few bits a value before compression. The
		// pseudonym hardly repeats in a row group, so it is plain: a
		// dictionary would only add work. The row number counts up, which
		// DELTA_BINARY_PACKED stores in about a bit a row where plain takes
		// 32 that zstd cannot shrink (a quarter of a follow-up file).
		switch src := t.plans[i].src; src {
		case srcRow:
			node = parquet.Encoded(node, &parquet.DeltaBinaryPacked)
		case srcPseudonym:
			node = parquet.Encoded(node, &parquet.Plain)
		default:
			node = parquet.Encoded(node, &parquet.RLEDictionary)
		}
		node = parquet.Compressed(node, codec)
		if c.Nullable {
			node = parquet.Optional(node)
		}
		root[i] = &field{Node: node, name: c.Name}
	}
	return parquet.NewSchema(t.name(), root), nil
}

func (t *Table) name() string {
	if t.Kind == nil {
		return "(no kind)"
	}
	return t.Kind.Name
}

// orderedGroup is a Parquet group whose fields keep the order they are
// given in.
type orderedGroup []parquet.Field

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Fields() []parquet.Field     { return g }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }

func (g orderedGroup) String() string {
	var b strings.Builder
	if err := parquet.PrintSchema(&b, "", g); err != nil {
		return fmt.Sprintf("group(%d fields)", len(g))
	}
	return b.String()
}

// GoType is a struct with one field per column, tagged with its name, as
// parquet-go builds for its own groups.
func (g orderedGroup) GoType() reflect.Type {
	fields := make([]reflect.StructField, len(g))
	for i, f := range g {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("C%d", i),
			Type: f.GoType(),
			Tag:  reflect.StructTag(fmt.Sprintf("parquet:%q", f.Name())),
		}
	}
	return reflect.StructOf(fields)
}

// field names a node in an orderedGroup.
type field struct {
	parquet.Node
	name string
}

func (f *field) Name() string { return f.name }

// Value finds the field in a Go value of the group's GoType, or in a map
// keyed by column name.
func (f *field) Value(base reflect.Value) reflect.Value {
	for base.Kind() == reflect.Interface || base.Kind() == reflect.Pointer {
		if base.IsNil() {
			return reflect.Value{}
		}
		base = base.Elem()
	}
	switch base.Kind() {
	case reflect.Struct:
		t := base.Type()
		for i := range t.NumField() {
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("parquet"), ","); tag == f.name {
				return base.Field(i)
			}
		}
	case reflect.Map:
		if base.Type().Key().Kind() == reflect.String {
			return base.MapIndex(reflect.ValueOf(f.name).Convert(base.Type().Key()))
		}
	}
	return reflect.Value{}
}
