package standard_test

import (
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/schemas"
)

// TestLoad_EveryVersion: every published version still loads, because a
// curated Parquet file is read with the version it names.
func TestLoad_EveryVersion(t *testing.T) {
	for v := 1; v <= schemas.Latest; v++ {
		fsys, err := schemas.Version(v)
		if err != nil {
			t.Fatal(err)
		}
		std, err := standard.Load(fsys)
		if err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		if std.Version != v {
			t.Errorf("version %d says it is %d", v, std.Version)
		}
	}
}
