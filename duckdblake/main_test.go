package duckdblake_test

import (
	"os"
	"sync"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// shared holds the demo's lake, built once for the tests that read it
// (none writes to it) and removed when they are done.
var shared struct {
	once sync.Once
	dir  string
	lake *lakefixture.Lake
}

func demo(tb testing.TB, std *standard.Standard) *lakefixture.Lake {
	tb.Helper()
	shared.once.Do(func() { shared.lake = lakefixture.DemoAt(tb, std, shared.dir) })
	if shared.lake == nil {
		tb.Fatal("the demo's lake could not be built")
	}
	return shared.lake
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "duckdblake-demo-")
	if err != nil {
		panic(err)
	}
	shared.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
