// Package schemas embeds the machine-readable data standard so that every
// binary carries the exact rules it validates against, whatever its working
// directory. The files are the single source of truth: validation, templates,
// the data dictionary and (later) the Parquet and Glue schemas derive from them.
//
// Each version lives in its own folder (v1, v2, …). A published version is
// never edited; a change is a new folder. SHA256SUMS in each folder lets a test
// catch an accidental edit.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed v1 v2
var files embed.FS

// Latest is the newest published version of the standard.
const Latest = 2

// Version returns the files of one version of the standard.
func Version(v int) (fs.FS, error) {
	sub, err := fs.Sub(files, fmt.Sprintf("v%d", v))
	if err != nil {
		return nil, fmt.Errorf("open schema version %d: %w", v, err)
	}
	if _, err := fs.Stat(sub, "standard.json"); err != nil {
		return nil, fmt.Errorf("open schema version %d: %w", v, err)
	}
	return sub, nil
}
