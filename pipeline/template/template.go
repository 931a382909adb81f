// Package template writes the blank return templates that an organisation's
// data officer fills in: one CSV file per kind of table and one Excel
// workbook with every kind, guidance and drop-down lists. The templates are
// generated from the loaded *standard.Standard alone, so a template can never
// ask for a column, title or code that validation does not accept, and a
// filled-in template validates without any change to its layout.
package template

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/carer-outcomes/carer-outcomes/pipeline/formula"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// WorkbookName is the file name Write gives the Excel template.
const WorkbookName = "return-template.xlsx"

// bom is the UTF-8 byte-order mark, which makes Excel read a CSV file as
// UTF-8 rather than in the machine's legacy code page.
const bom = "\uFEFF"

// WriteCSV writes the CSV template of one kind: a UTF-8 byte-order mark and
// one header row of the fields' titles, with CRLF line ends as Excel writes
// them. There are no guidance rows: a filled-in template holds only the
// header and data, so it validates clean.
func WriteCSV(w io.Writer, std *standard.Standard, kind *standard.Kind) error {
	if err := checkKind(std, kind); err != nil {
		return fmt.Errorf("write csv template: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(bom)
	cw := csv.NewWriter(&b)
	cw.UseCRLF = true
	if err := cw.Write(titles(kind)); err != nil {
		return fmt.Errorf("write csv template %s: %w", kind.Name, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv template %s: %w", kind.Name, err)
	}
	if _, err := b.WriteTo(w); err != nil {
		return fmt.Errorf("write csv template %s: %w", kind.Name, err)
	}
	return nil
}

// Write writes every template into dir: <kind>.csv for each kind, in the
// standard's order, then the workbook WorkbookName. It returns the paths
// written, in that order. dir must exist.
func Write(dir string, std *standard.Standard) ([]string, error) {
	var paths []string
	for _, k := range std.Kinds {
		var b bytes.Buffer
		if err := WriteCSV(&b, std, k); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, k.Name+".csv")
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("write templates: %w", err)
		}
		paths = append(paths, p)
	}
	var b bytes.Buffer
	if err := WriteXLSX(&b, std); err != nil {
		return paths, err
	}
	p := filepath.Join(dir, WorkbookName)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		return paths, fmt.Errorf("write templates: %w", err)
	}
	return append(paths, p), nil
}

// titles are a kind's column headings: the fields' titles in schema order,
// neutralised as everything written back out is.
func titles(k *standard.Kind) []string {
	out := make([]string, len(k.Fields))
	for i, f := range k.Fields {
		out[i] = formula.Neutralise(f.Title)
	}
	return out
}

// checkKind makes sure kind is one of std's, so that a template is never
// written from a kind of another version of the standard.
func checkKind(std *standard.Standard, kind *standard.Kind) error {
	if kind == nil {
		return fmt.Errorf("no kind given")
	}
	if std.Kind(kind.Name) != kind {
		return fmt.Errorf("kind %q is not part of %s version %d", kind.Name, std.Title, std.Version)
	}
	return nil
}
