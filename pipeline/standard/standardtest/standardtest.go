// Package standardtest gives tests the standard they check against, so that
// every package's tests load it the same way.
package standardtest

import (
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Load returns the newest published standard, failing the test if it does
// not load.
func Load(tb testing.TB) *standard.Standard {
	tb.Helper()
	std, err := standard.Latest()
	if err != nil {
		tb.Fatal(err)
	}
	return std
}
