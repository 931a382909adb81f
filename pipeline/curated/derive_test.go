package curated

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

func TestCivil(t *testing.T) {
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct{ name, from, to string }{
		{"around the epoch", "1969-01-01", "1971-12-31"},
		{"the years of carers' births", "1900-01-01", "2010-12-31"},
		{"leap centuries", "2099-12-25", "2101-03-05"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from, _ := time.Parse(time.DateOnly, tt.from)
			to, _ := time.Parse(time.DateOnly, tt.to)
			for d := pipeline.Days(from.Sub(epoch).Hours() / 24); d <= pipeline.Days(to.Sub(epoch).Hours()/24); d++ {
				wy, wm, wd := d.Time().Date()
				if y, m, day := civil(d); y != wy || m != int(wm) || day != wd {
					t.Fatalf("civil(%d) = %d-%d-%d, want %s", d, y, m, day, d)
				}
			}
		})
	}
}

func TestCompletedYears(t *testing.T) {
	tests := []struct {
		from, to string
		want     int
	}{
		{"2000-07-01", "2025-07-01", 25},
		{"2000-07-02", "2025-07-01", 24},
		{"2000-02-29", "2025-02-28", 24},
		{"2000-02-29", "2025-03-01", 25},
		{"2000-02-29", "2024-02-29", 24},
		{"2000-12-31", "2001-01-01", 0},
	}
	for _, tt := range tests {
		t.Run(tt.from+"/"+tt.to, func(t *testing.T) {
			f, _ := time.Parse(time.DateOnly, tt.from)
			to, _ := time.Parse(time.DateOnly, tt.to)
			if got := completedYears(pipeline.DaysOf(f), pipeline.DaysOf(to)); got != tt.want {
				t.Errorf("completedYears = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestAppendOutward(t *testing.T) {
	tests := []struct{ postcode, want string }{
		{"ls6 3ab", "LS6"},
		{"SW1A1AA", "SW1A"},
		{"SW1A 1AA", "SW1A"},
		{"m1 1ae", "M1"},
		{" EC1A  1BB ", "EC1A"},
		{"GIR 0AA", "GIR"},
		{"1AA", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.postcode, func(t *testing.T) {
			if got := string(appendOutward([]byte("x"), []byte(tt.postcode))); got != "x"+tt.want {
				t.Errorf("appendOutward(%q) = %q, want %q", tt.postcode, got[1:], tt.want)
			}
		})
	}
}

// TestTable_parquetSchema checks that the Parquet schema keeps the curated
// order, which parquet.Group would sort by name.
func TestTable_parquetSchema(t *testing.T) {
	tables, err := Tables(standardtest.Load(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		t.Run(tb.Kind.Name, func(t *testing.T) {
			s, err := tb.parquetSchema(&zstd.Codec{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range tb.Columns {
				names = append(names, c.Name)
			}
			var got []string
			for _, path := range s.Columns() {
				got = append(got, strings.Join(path, "."))
			}
			if !reflect.DeepEqual(got, names) {
				t.Errorf("Parquet columns %q, want %q", got, names)
			}
			if n := s.GoType().NumField(); n != len(names) {
				t.Errorf("GoType has %d fields, want %d", n, len(names))
			}
			if str := s.String(); !strings.Contains(str, names[len(names)-1]) {
				t.Errorf("String() = %q", str)
			}
		})
	}
}
