// Package curated is the lake's long-term record: the accepted rows of every
// return as normalised, pseudonymised, typed Parquet that analysts query
// with Athena. Its schema is derived from the data standard, never typed out
// here, so that a new version of the standard changes the lake with it; and
// it is where the privacy rules of the standard become bytes on disk: the
// client reference, the date of birth and the full postcode are read once,
// turned into a pseudonym, an age band and an outward code, and never
// written.
package curated

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// The columns every curated table starts with. They are the lake's own, not
// fields of the standard.
const (
	// UploadIDColumn holds the SHA-256 (lowercase hex) of the uploaded file.
	UploadIDColumn = "upload_id"
	// SourceRowColumn holds the row number the uploader sees in Excel.
	SourceRowColumn = "source_row"
)

// Money is stored in pence as a decimal with this many digits: up to
// £999,999,999,999.99, far beyond any quarter's cost of a service.
const (
	MoneyPrecision = 14
	MoneyScale     = 2 // validation reads money into pence
)

// The derived rules of the standard (Kind.Derived[].Rule) this package
// knows how to compute.
const (
	rulePseudonym  = "pseudonym"
	ruleAgeBands   = "ageBands"
	ruleHoursBands = "caringHoursBands"
	ruleOutward    = "outwardCode"
	ruleSWEMWBS    = "swemwbsConversion"
)

// registrationField is the carers field that ScanCarers reads besides the
// pseudonym: the date each carer registered.
const registrationField = "registration_date"

// Type is a curated column's type.
type Type int

const (
	String  Type = iota // UTF-8 text (Parquet BYTE_ARRAY, STRING)
	Date                // a calendar day (Parquet INT32, DATE)
	Int32               // a whole number (Parquet INT32)
	Int64               // a whole number without bounds that fit in 32 bits (Parquet INT64)
	Double              // a decimal number (Parquet DOUBLE)
	Decimal             // an exact decimal, Column.Precision and Column.Scale (Parquet INT64, DECIMAL)
)

func (t Type) String() string {
	switch t {
	case String:
		return "String"
	case Date:
		return "Date"
	case Int32:
		return "Int32"
	case Int64:
		return "Int64"
	case Double:
		return "Double"
	case Decimal:
		return "Decimal"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Column is one column of a curated table.
type Column struct {
	Name string
	Type Type
	// Precision and Scale are set for Decimal columns only.
	Precision, Scale int
	// Nullable is false when every row has a value.
	Nullable    bool
	Description string
	// Field is the standard field whose values the column holds, or nil.
	Field *standard.Field
	// Derived is the standard's derived rule that computes the column, or nil.
	// Columns with neither (upload_id, source_row) are the lake's own.
	Derived *standard.Derived
}

// SQLType is the column's type as Athena (and Glue) write it: string, date,
// int, bigint, double or decimal(p,s).
func (c *Column) SQLType() string {
	switch c.Type {
	case String:
		return "string"
	case Date:
		return "date"
	case Int32:
		return "int"
	case Int64:
		return "bigint"
	case Double:
		return "double"
	case Decimal:
		return fmt.Sprintf("decimal(%d,%d)", c.Precision, c.Scale)
	}
	return ""
}

// Table is the curated form of one kind of table.
type Table struct {
	Kind    *standard.Kind
	Version int // of the standard
	Columns []Column

	std   *standard.Standard
	plans []plan // how each column's value is made from a record
}

// Column returns the position of the named column, or -1.
func (t *Table) Column(name string) int {
	return slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == name })
}

// source says where a column's value comes from.
type source uint8

const (
	srcUpload source = iota
	srcRow
	srcText
	srcCode
	srcDate
	srcInt32
	srcInt64
	srcDouble
	srcMoney
	srcPseudonym
	srcAgeBand
	srcHoursBand
	srcOutward
	srcSWEMWBS
)

// plan is how the writer fills one column from a record, resolved once from
// the standard so that writing a row looks nothing up by name.
type plan struct {
	src   source
	field int   // the record value read, for a field's column
	from  []int // the record values read, for a derived column
	def   int   // the definition level of a present value: 1 when nullable
	codes [][]byte
	bands []band
	// metric is the SWEMWBS metric score by raw score; NaN where the table
	// has none.
	metric []float64
}

type band struct {
	min, max int
	name     []byte
}

// Tables returns the curated table of each kind of the standard, in the
// standard's order. A table's columns are upload_id and source_row, then the
// kind's fields in order, where a personal field is replaced by the derived
// column computed from it (client_ref by carer_id, date_of_birth by
// age_band, postcode by postcode_outward) and any other derived column
// follows its last source field (caring_hours_band after
// caring_hours_per_week, swemwbs_metric after swemwbs_7). Codes are stored
// as their code, text as written, dates as DATE, whole numbers as INT32
// (INT64 when the standard does not bound them within 32 bits), money as
// DECIMAL(14,2) and other numbers as DOUBLE. Required fields are not null.
func Tables(std *standard.Standard) ([]*Table, error) {
	if std == nil {
		return nil, pipeline.Errorf(pipeline.Internal, "derive curated tables: no standard")
	}
	out := make([]*Table, 0, len(std.Kinds))
	for _, k := range std.Kinds {
		t, err := newTable(std, k)
		if err != nil {
			return nil, pipeline.Errorf(pipeline.Internal, "derive curated table %s: %w", k.Name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func newTable(std *standard.Standard, k *standard.Kind) (*Table, error) {
	t := &Table{Kind: k, Version: std.Version, std: std}
	t.add(Column{Name: UploadIDColumn, Type: String, Description: "SHA-256 (lowercase hex) of the uploaded file the row came from."}, plan{src: srcUpload})
	t.add(Column{Name: SourceRowColumn, Type: Int32, Description: "The row number in the uploaded sheet, as the uploader sees it in Excel."}, plan{src: srcRow})

	// Each derived column goes where its first source field is when that
	// field is personal (it replaces it), else after its last source field.
	at := make([][]int, len(k.Fields))    // field index → derived entries replacing it
	after := make([][]int, len(k.Fields)) // field index → derived entries following it
	for i := range k.Derived {
		d := &k.Derived[i]
		if len(d.From) == 0 {
			return nil, fmt.Errorf("derived %s has no source field", d.Name)
		}
		for _, name := range d.From {
			if k.Field(name) == nil {
				return nil, fmt.Errorf("derived %s: no field %s", d.Name, name)
			}
		}
		if first := k.Field(d.From[0]); first.Personal != "" {
			at[first.Index] = append(at[first.Index], i)
		} else {
			last := k.Field(d.From[len(d.From)-1])
			after[last.Index] = append(after[last.Index], i)
		}
	}
	for _, f := range k.Fields {
		if f.Personal != "" {
			if len(at[f.Index]) == 0 {
				return nil, fmt.Errorf("personal field %s (%s) has no derived column to replace it", f.Name, f.Personal)
			}
		} else if err := t.addField(f); err != nil {
			return nil, err
		}
		for _, i := range append(at[f.Index], after[f.Index]...) {
			if err := t.addDerived(k, &k.Derived[i]); err != nil {
				return nil, err
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if seen[c.Name] {
			return nil, fmt.Errorf("two columns are named %s", c.Name)
		}
		seen[c.Name] = true
	}
	return t, nil
}

func (t *Table) add(c Column, p plan) {
	if c.Nullable {
		p.def = 1
	}
	t.Columns = append(t.Columns, c)
	t.plans = append(t.plans, p)
}

func describe(f *standard.Field) string {
	if f.Description == "" {
		return f.Title + "."
	}
	return f.Title + ". " + f.Description
}

func (t *Table) addField(f *standard.Field) error {
	c := Column{Name: f.Name, Nullable: !f.Required, Description: describe(f), Field: f}
	p := plan{field: f.Index}
	switch f.Type {
	case standard.Text:
		c.Type, p.src = String, srcText
	case standard.Code:
		c.Type, p.src = String, srcCode
		for _, e := range f.CodeList.Entries {
			p.codes = append(p.codes, []byte(e.Code))
		}
	case standard.Date:
		c.Type, p.src = Date, srcDate
	case standard.Integer:
		// A whole number is INT32 when the standard bounds it within 32
		// bits; one without bounds (volunteer hours) could be larger.
		c.Type, p.src = Int32, srcInt32
		if f.Minimum == nil || f.Maximum == nil || *f.Minimum < math.MinInt32 || *f.Maximum > math.MaxInt32 {
			c.Type, p.src = Int64, srcInt64
		}
	case standard.Number:
		c.Type, p.src = Double, srcDouble
	case standard.Money:
		if f.MaxDecimals > MoneyScale {
			return fmt.Errorf("field %s: money with %d decimals does not fit pence", f.Name, f.MaxDecimals)
		}
		c.Type, c.Precision, c.Scale, p.src = Decimal, MoneyPrecision, MoneyScale, srcMoney
	default:
		return fmt.Errorf("field %s: no curated type for %s", f.Name, f.Type)
	}
	t.add(c, p)
	return nil
}

func (t *Table) addDerived(k *standard.Kind, d *standard.Derived) error {
	c := Column{Name: d.Name, Description: d.Description, Derived: d}
	var p plan
	for _, name := range d.From {
		f := k.Field(name)
		p.from = append(p.from, f.Index)
		c.Nullable = c.Nullable || !f.Required
	}
	from := func(i int) *standard.Field { return k.Fields[p.from[i]] }
	wantFrom := func(n int, types ...standard.Type) error {
		if len(d.From) != n {
			return fmt.Errorf("derived %s (%s): %d source fields, want %d", d.Name, d.Rule, len(d.From), n)
		}
		for i := range d.From {
			if !slices.Contains(types, from(i).Type) {
				return fmt.Errorf("derived %s (%s): source %s is %s", d.Name, d.Rule, from(i).Name, from(i).Type)
			}
		}
		return nil
	}
	var err error
	switch d.Rule {
	case rulePseudonym:
		c.Type, p.src = String, srcPseudonym
		err = wantFrom(1, standard.Text)
	case ruleAgeBands:
		c.Type, p.src = String, srcAgeBand
		if err = wantFrom(2, standard.Date); err == nil {
			p.bands, err = bands(t.std.AgeBands, from(0).AgeAtRegistration, nil, nil)
		}
	case ruleHoursBands:
		c.Type, p.src = String, srcHoursBand
		if err = wantFrom(1, standard.Integer); err == nil {
			p.bands, err = bands(t.std.HoursBands, nil, from(0).Minimum, from(0).Maximum)
		}
	case ruleOutward:
		c.Type, p.src = String, srcOutward
		err = wantFrom(1, standard.Text)
	case ruleSWEMWBS:
		c.Type, p.src = Double, srcSWEMWBS
		if err = wantFrom(len(d.From), standard.Integer); err == nil {
			p.metric, err = conversion(t.std.SWEMWBS, k, d)
		}
	default:
		err = fmt.Errorf("derived %s: unknown rule %q", d.Name, d.Rule)
	}
	if err != nil {
		return err
	}
	if want := map[Type]string{String: "string", Double: "number"}[c.Type]; d.Type != want {
		return fmt.Errorf("derived %s (%s) is typed %q, but the rule gives a %s", d.Name, d.Rule, d.Type, want)
	}
	t.add(c, p)
	return nil
}

// bands checks that the standard's bands cover every value validation can
// accept, once each, and returns them ready to write.
func bands(bs []standard.Band, age *standard.Range, lo, hi *float64) ([]band, error) {
	if len(bs) == 0 {
		return nil, fmt.Errorf("no bands")
	}
	out := make([]band, len(bs))
	for i, b := range bs {
		if b.Min > b.Max || i > 0 && b.Min != bs[i-1].Max+1 {
			return nil, fmt.Errorf("band %s: bands must follow one another without gaps", b.Band)
		}
		out[i] = band{min: b.Min, max: b.Max, name: []byte(b.Band)}
	}
	first, last := bs[0].Min, bs[len(bs)-1].Max
	switch {
	case age != nil && (age.Minimum < first || age.Maximum > last):
		return nil, fmt.Errorf("bands %d to %d do not cover ages %d to %d", first, last, age.Minimum, age.Maximum)
	case age == nil && (lo == nil || hi == nil || *lo < float64(first) || *hi > float64(last)):
		return nil, fmt.Errorf("bands %d to %d do not cover every value of the field", first, last)
	}
	return out, nil
}

// conversion turns the SWEMWBS table into a lookup by raw score, checking
// that it scores every sum the items can make.
func conversion(c standard.Conversion, k *standard.Kind, d *standard.Derived) ([]float64, error) {
	lo, hi := 0, 0
	for _, name := range d.From {
		f := k.Field(name)
		if f.Minimum == nil || f.Maximum == nil {
			return nil, fmt.Errorf("derived %s: item %s has no bounds", d.Name, f.Name)
		}
		lo, hi = lo+int(*f.Minimum), hi+int(*f.Maximum)
	}
	if lo < 0 {
		return nil, fmt.Errorf("derived %s: items can sum to %d", d.Name, lo)
	}
	out := make([]float64, hi+1)
	for i := range out {
		out[i] = math.NaN()
	}
	for i, r := range c.Raw {
		if r >= 0 && r <= hi {
			out[r] = c.Metric[i]
		}
	}
	for s := lo; s <= hi; s++ {
		if math.IsNaN(out[s]) {
			return nil, fmt.Errorf("derived %s: the conversion table has no score for %d", d.Name, s)
		}
	}
	return out, nil
}

func findBand(bs []band, n int) []byte {
	for i := range bs {
		if n >= bs[i].min && n <= bs[i].max {
			return bs[i].name
		}
	}
	return nil
}
