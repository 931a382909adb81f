package schemas_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/schemas"
)

// TestVersion_Unchanged fails when a published version's files are edited:
// organisations' systems depend on them, so a change must be a new version.
func TestVersion_Unchanged(t *testing.T) {
	for v := 1; v <= schemas.Latest; v++ {
		fsys, err := schemas.Version(v)
		if err != nil {
			t.Fatal(err)
		}
		sums, err := fs.ReadFile(fsys, "SHA256SUMS")
		if err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		sc := bufio.NewScanner(strings.NewReader(string(sums)))
		for sc.Scan() {
			want, name, ok := strings.Cut(sc.Text(), "  ")
			if !ok {
				t.Fatalf("v%d/SHA256SUMS: bad line %q", v, sc.Text())
			}
			listed[name] = true
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				t.Fatal(err)
			}
			got := sha256.Sum256(b)
			if hex.EncodeToString(got[:]) != want {
				t.Errorf("v%d/%s has changed since it was published: put the change in a new version", v, name)
			}
		}
		files, _ := fs.Glob(fsys, "*.json")
		for _, name := range files {
			if !listed[name] {
				t.Errorf("v%d/%s is not listed in SHA256SUMS", v, name)
			}
		}
	}
}
