package standard_test

import (
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/schemas"
)

func load(tb testing.TB) *standard.Standard {
	tb.Helper()
	fsys, err := schemas.Version(schemas.Latest)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := standard.Load(fsys)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestLoad(t *testing.T) {
	s := load(t)
	if len(s.Kinds) != 5 {
		t.Fatalf("kinds = %d, want 5", len(s.Kinds))
	}
	for _, k := range s.Kinds {
		t.Logf("%s: %d fields", k.Name, len(k.Fields))
	}
}
