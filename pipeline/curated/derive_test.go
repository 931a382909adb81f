package curated

import (
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

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
