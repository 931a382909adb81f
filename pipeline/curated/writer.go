package curated

import (
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// Keys of the Parquet key-value metadata of every curated file. They say
// where the rows came from; none of them holds anything about a carer.
const (
	MetaSchemaVersion = "carer_outcomes.schema_version"
	MetaUploadID      = "carer_outcomes.upload_id"
	MetaKind          = "carer_outcomes.kind"
	MetaOrg           = "carer_outcomes.org"
	MetaPeriod        = "carer_outcomes.period"
)

// Writer configuration. A row group of 128K rows keeps a writer's memory
// bounded whatever the size of the upload (parquet-go's default is one row
// group for the whole file), and lets Athena split large files.
const (
	RowGroupRows = 128 * 1024
	// batchRows is how many rows are handed to parquet-go at once.
	batchRows = 512
	// pageBufferSize is parquet-go's default, set here so that it stays.
	pageBufferSize = 256 << 10
	// dictionaryMaxBytes bounds a column's dictionary in a row group; a
	// column of mostly distinct text falls back to plain encoding beyond it.
	dictionaryMaxBytes = 8 << 20
	createdByApp       = "carer-outcomes"
)

// Meta says where a table's rows came from.
type Meta struct {
	UploadID      string // SHA-256 of the uploaded file, lowercase hex
	Org           string
	Period        string // YYYY-Qn
	SchemaVersion int    // version of the standard the rows were validated against
	// FileName and Sheet name the table in error messages only: a file name
	// is the uploader's free text, so it is never written to the lake.
	FileName string
	Sheet    string
	// CarerIDs says the client_ref values are already pseudonyms: survey
	// responses are pseudonymised the moment they are received, so their
	// rows reach the writer holding carer_id, which is written as it is.
	CarerIDs bool
}

func (m Meta) where() string {
	if m.FileName == "" {
		return "the upload"
	}
	if m.Sheet != "" {
		return m.FileName + " sheet " + m.Sheet
	}
	return m.FileName
}

// Writer writes one table's accepted rows as a curated Parquet file. It is
// not safe for concurrent use.
type Writer struct {
	t    *Table
	meta Meta
	h    *pseudonym.Hasher
	pw   *parquet.GenericWriter[any]

	upload []byte
	cols   [][]parquet.Value // by column, batchRows values each
	n      int               // rows buffered in cols
	arena  []byte            // bytes the buffered values point to
	total  int
	err    error // the first error: a writer that failed stays failed
	closed bool

	// Batches are encoded by a goroutine of their own while the next one
	// fills, so that validating and encoding use two cores. A batch is its
	// columns and its arena; two of them take turns.
	enc *encoder

	// The last client reference and its pseudonym: rows about one carer
	// tend to come together, and hashing is the costliest step of a row.
	lastRef, lastID []byte
	haveLast        bool
}

// NewWriter starts a curated Parquet file of table t on w. h must be the
// hasher of meta.Org (it may be nil for a table without a pseudonym).
// Close finishes the file; it does not close w.
func NewWriter(w io.Writer, t *Table, meta Meta, h *pseudonym.Hasher) (*Writer, error) {
	if t == nil || t.std == nil {
		return nil, pipeline.Errorf(pipeline.Internal, "start curated file: the table was not made by Tables")
	}
	if err := checkMeta(t, &meta); err != nil {
		return nil, fmt.Errorf("start curated %s file: %w", t.name(), err)
	}
	for _, p := range t.plans {
		if p.src == srcPseudonym && h == nil && !meta.CarerIDs {
			return nil, pipeline.Errorf(pipeline.Internal, "start curated %s file: no pseudonym hasher", t.name())
		}
	}
	// The fastest zstd level: on the follow-up benchmark it writes files
	// within 1% of the default level's size, 10% faster. One codec per file
	// shares its encoder between the columns.
	codec := &zstd.Codec{Level: zstd.SpeedFastest}
	schema, err := t.parquetSchema(codec)
	if err != nil {
		return nil, err
	}
	version, build := buildInfo()
	opts := append(fileOptions(schema, codec),
		parquet.DictionaryMaxBytes(dictionaryMaxBytes),
		parquet.KeyValueMetadata(MetaSchemaVersion, strconv.Itoa(meta.SchemaVersion)),
		parquet.KeyValueMetadata(MetaUploadID, meta.UploadID),
		parquet.KeyValueMetadata(MetaKind, t.Kind.Name),
		parquet.KeyValueMetadata(MetaOrg, meta.Org),
		parquet.KeyValueMetadata(MetaPeriod, meta.Period),
	)
	for i, p := range t.plans {
		if p.src == srcPseudonym {
			// A hash's minimum and maximum prune nothing.
			opts = append(opts, parquet.SkipPageBounds(t.Columns[i].Name))
		}
	}
	// parquet.CreatedBy leaves out the space before "(build", which readers
	// that parse created_by (parquet-mr's VersionParser) then reject.
	opts = append(opts, createdBy(createdByApp+" version "+version+" (build "+build+")"))
	// parquet.NewWriter panics on a bad option: check them first. (The
	// options are passed on as they are: a WriterConfig given as an option
	// would OR its booleans with the defaults, turning page statistics
	// back on.)
	if _, err := parquet.NewWriterConfig(opts...); err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "configure curated %s file: %w", t.name(), err)
	}
	cw := &Writer{t: t, meta: meta, h: h, pw: parquet.NewGenericWriter[any](w, opts...), upload: []byte(meta.UploadID)}
	cw.enc = newEncoder(cw.pw, len(t.Columns), fmt.Sprintf("curated %s rows of %s", t.name(), meta.where()))
	cw.cols, cw.arena = cw.enc.next()
	return cw, nil
}

// fileOptions are the writer options every curated file is written with,
// by the writer and by Redact alike.
func fileOptions(schema *parquet.Schema, codec *zstd.Codec) []parquet.WriterOption {
	return []parquet.WriterOption{
		schema,
		parquet.Compression(codec),
		// Every column's encoding is set in the schema; should parquet-go
		// ever fall back, plain is what every reader reads (its default for
		// strings, DELTA_LENGTH_BYTE_ARRAY, is not).
		parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain),
		parquet.DataPageVersion(1),
		parquet.PageBufferSize(pageBufferSize),
		parquet.MaxRowsPerRowGroup(RowGroupRows),
		// Statistics go in the column index and the column chunks; in page
		// headers they are deprecated and cost a second pass over each page.
		parquet.DataPageStatistics(false),
	}
}

// createdBy sets the file's created_by as the Parquet format asks:
// "<application> version <version> (build <build>)".
type createdBy string

func (c createdBy) ConfigureWriter(cfg *parquet.WriterConfig) { cfg.CreatedBy = string(c) }

func checkMeta(t *Table, m *Meta) error {
	if len(m.UploadID) != 64 || !isLowerHex(m.UploadID) {
		return pipeline.Errorf(pipeline.Invalid, "upload ID %q: want the file's SHA-256 in lowercase hex", m.UploadID)
	}
	if err := t.std.ValidOrg(m.Org); err != nil {
		return err
	}
	if _, err := pipeline.ParsePeriod(m.Period); err != nil {
		return err
	}
	if m.SchemaVersion == 0 {
		m.SchemaVersion = t.Version
	}
	if m.SchemaVersion != t.Version {
		return pipeline.Errorf(pipeline.Invalid, "schema version %d: the table is of version %d", m.SchemaVersion, t.Version)
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// buildInfo names the build for the file's created_by.
func buildInfo() (version, build string) {
	version, build = "0.0.0", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, build
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		version = v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && s.Value != "" {
			build = s.Value
		}
	}
	return version, build
}

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int { return w.total }

// Write adds an accepted record of the table's kind. The record is not kept:
// it may be reused once Write returns.
func (w *Writer) Write(rec *validate.Record) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return pipeline.Errorf(pipeline.Internal, "write curated %s row %d: the writer is closed", w.t.name(), rec.Row)
	}
	if len(rec.Values) != len(w.t.Kind.Fields) {
		w.err = pipeline.Errorf(pipeline.Internal, "write curated %s row %d: %d values for %d fields", w.t.name(), rec.Row, len(rec.Values), len(w.t.Kind.Fields))
		return w.err
	}
	if err := w.fill(w.n, rec); err != nil {
		w.err = fmt.Errorf("write curated %s row %d of %s: %w", w.t.name(), rec.Row, w.meta.where(), err)
		return w.err
	}
	w.n++
	w.total++
	if w.n == batchRows {
		return w.flush()
	}
	return nil
}

// fill sets the values of buffered row n from a record. It runs for every
// cell, so each case writes its value in place.
func (w *Writer) fill(n int, rec *validate.Record) error {
	vals := rec.Values
	for i := range w.t.plans {
		p := &w.t.plans[i]
		c := &w.cols[i][n]
		present := true
		switch p.src {
		case srcUpload:
			*c = parquet.ByteArrayValue(w.upload)
		case srcRow:
			if rec.Row < 0 || rec.Row > math.MaxInt32 {
				return pipeline.Errorf(pipeline.Internal, "row number %d out of range", rec.Row)
			}
			*c = parquet.Int32Value(int32(rec.Row))
		case srcText:
			x := &vals[p.field]
			if present = x.Present; present {
				*c = parquet.ByteArrayValue(w.keep(x.Text))
			}
		case srcCode:
			x := &vals[p.field]
			if present = x.Present; present {
				if uint64(x.Int) >= uint64(len(p.codes)) {
					return pipeline.Errorf(pipeline.Internal, "%s: code index %d out of range", w.t.Columns[i].Name, x.Int)
				}
				*c = parquet.ByteArrayValue(p.codes[x.Int])
			}
		case srcDate, srcInt32:
			x := &vals[p.field]
			if present = x.Present; present {
				if int64(int32(x.Int)) != x.Int {
					return pipeline.Errorf(pipeline.Internal, "%s: %d does not fit in 32 bits", w.t.Columns[i].Name, x.Int)
				}
				*c = parquet.Int32Value(int32(x.Int))
			}
		case srcInt64:
			x := &vals[p.field]
			if present = x.Present; present {
				*c = parquet.Int64Value(x.Int)
			}
		case srcDouble:
			x := &vals[p.field]
			if present = x.Present; present {
				*c = parquet.DoubleValue(x.Float)
			}
		case srcMoney:
			x := &vals[p.field]
			if present = x.Present; present {
				if x.Int >= moneyLimit || x.Int <= -moneyLimit {
					return pipeline.Errorf(pipeline.Invalid, "%s: £%d is more than the lake stores (under £%d)", w.t.Columns[i].Name, x.Int/100, moneyLimit/100)
				}
				*c = parquet.Int64Value(x.Int)
			}
		case srcPseudonym:
			x := &vals[p.from[0]]
			if present = x.Present; present {
				id, err := w.carerID(x.Text)
				if err != nil {
					return err
				}
				*c = parquet.ByteArrayValue(w.keep(id))
			}
		case srcAgeBand:
			birth, reg := &vals[p.from[0]], &vals[p.from[1]]
			if present = birth.Present && reg.Present; present {
				age := pipeline.CompletedYears(pipeline.Days(birth.Int), pipeline.Days(reg.Int))
				b := findBand(p.bands, age)
				if b == nil {
					return pipeline.Errorf(pipeline.Invalid, "%s: age %d at registration is in no band", w.t.Columns[i].Name, age)
				}
				*c = parquet.ByteArrayValue(b)
			}
		case srcHoursBand:
			x := &vals[p.from[0]]
			if present = x.Present; present {
				b := findBand(p.bands, int(max(min(x.Int, math.MaxInt32), math.MinInt32)))
				if b == nil {
					return pipeline.Errorf(pipeline.Invalid, "%s: %d is in no band", w.t.Columns[i].Name, x.Int)
				}
				*c = parquet.ByteArrayValue(b)
			}
		case srcOutward:
			x := &vals[p.from[0]]
			if present = x.Present; present {
				start := len(w.arena)
				w.arena = appendOutward(w.arena, x.Text)
				if len(w.arena) == start {
					return pipeline.Errorf(pipeline.Invalid, "%s: the postcode has no outward code", w.t.Columns[i].Name)
				}
				*c = parquet.ByteArrayValue(w.arena[start:len(w.arena):len(w.arena)])
			}
		case srcSWEMWBS:
			sum := int64(0)
			for _, j := range p.from {
				if !vals[j].Present {
					present = false
					break
				}
				sum += vals[j].Int
			}
			if present {
				if sum < 0 || sum >= int64(len(p.metric)) || math.IsNaN(p.metric[sum]) {
					return pipeline.Errorf(pipeline.Invalid, "%s: raw score %d has no metric score", w.t.Columns[i].Name, sum)
				}
				*c = parquet.DoubleValue(p.metric[sum])
			}
		default:
			return pipeline.Errorf(pipeline.Internal, "%s: no value for source %d", w.t.Columns[i].Name, p.src)
		}
		// Levels are set through the pointer, rather than with Value.Level,
		// which the compiler does not inline.
		switch {
		case present:
			c.SetDefinitionLevel(p.def)
		case p.def == 0:
			return pipeline.Errorf(pipeline.Internal, "%s: required value missing", w.t.Columns[i].Name)
		default:
			*c = parquet.NullValue()
		}
		c.SetColumnIndex(i)
	}
	return nil
}

// moneyLimit is the first amount in pence a decimal(MoneyPrecision,
// MoneyScale) cannot hold.
const moneyLimit = 100_000_000_000_000

// keep copies bytes that are valid only during Write into the batch's arena.
func (w *Writer) keep(b []byte) []byte {
	start := len(w.arena)
	w.arena = append(w.arena, b...)
	return w.arena[start:len(w.arena):len(w.arena)]
}

func (w *Writer) carerID(ref []byte) ([]byte, error) {
	if w.meta.CarerIDs {
		if !pseudonym.Valid(ref) {
			return nil, pipeline.Errorf(pipeline.Internal, "carer_id: %d bytes that are not a pseudonym", len(ref))
		}
		return ref, nil
	}
	if w.haveLast && string(ref) == string(w.lastRef) {
		return w.lastID, nil
	}
	id := w.h.CarerID(ref)
	w.lastRef = append(w.lastRef[:0], ref...)
	w.lastID = append(w.lastID[:0], id...)
	w.haveLast = true
	return w.lastID, nil
}

// flush hands the buffered batch to the encoder and takes the other one to
// fill.
func (w *Writer) flush() error {
	if w.n == 0 {
		return nil
	}
	w.enc.send(w.cols, w.arena, w.n)
	w.n = 0
	w.cols, w.arena = w.enc.next()
	return nil
}

// Close writes the buffered rows and the file's footer. A file with no rows
// is still a valid file, with the table's columns.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if err := w.flush(); err != nil {
		w.enc.close()
		return err
	}
	if err := w.enc.close(); err != nil {
		w.err = err
		return err
	}
	if err := w.pw.Close(); err != nil {
		w.err = pipeline.Errorf(pipeline.Internal, "finish curated %s file of %s: %w", w.t.name(), w.meta.where(), err)
		return w.err
	}
	return nil
}
