// Package zipdamage breaks a zip archive (an .xlsx workbook) in the ways a
// failing disk, a cut-off transfer or a hostile sender do, so that tests,
// fuzz seeds and the bad fixtures can all build the same damaged workbooks.
// Each damage rewrites the archive with Go's own zip writer, copying every
// entry's compressed bytes as they are and changing only the one entry.
package zipdamage

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// Damage is one way of breaking an entry.
type Damage string

const (
	// BadCRC keeps the data and changes the declared checksum.
	BadCRC Damage = "bad_crc"
	// SmallerSize declares the entry to unpack to half its real size, as in a
	// workbook whose sheet was cut short by a broken writer.
	SmallerSize Damage = "smaller_declared_size"
	// LargerSize declares twice the real unpacked size.
	LargerSize Damage = "larger_declared_size"
	// CorruptDeflate overwrites a few bytes in the middle of the compressed
	// data, keeping sizes and checksum.
	CorruptDeflate Damage = "corrupt_deflate"
	// TruncatedEntry keeps only the first half of the compressed data, with
	// the compressed size declared to match.
	TruncatedEntry Damage = "truncated_entry"
	// CutXML keeps the first half of the entry's unpacked text and packs it
	// again, with sizes and checksum to match: a sound zip around an XML
	// part that a broken writer stopped writing half way.
	CutXML Damage = "cut_xml"
)

// All lists every damage, for table-driven tests.
func All() []Damage {
	return []Damage{BadCRC, SmallerSize, LargerSize, CorruptDeflate, TruncatedEntry, CutXML}
}

// FirstSheet names the first worksheet entry of a workbook, or "" if it has
// none or cannot be read.
func FirstSheet(archive []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return ""
	}
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/") && strings.HasSuffix(f.Name, ".xml") {
			return f.Name
		}
	}
	return ""
}

// Apply returns a copy of archive with the named entry damaged.
func Apply(archive []byte, entry string, d Damage) ([]byte, error) {
	return rewrite(archive, entry, func(fh *zip.FileHeader, data []byte) ([]byte, error) { return damage(fh, data, d) })
}

// DeclareSize returns a copy of archive in which the named entries declare
// that they unpack to size bytes, as a crafted archive does to make a total
// of sizes wrap round.
func DeclareSize(archive []byte, size uint64, entries ...string) ([]byte, error) {
	var err error
	for _, e := range entries {
		if archive, err = rewrite(archive, e, func(fh *zip.FileHeader, data []byte) ([]byte, error) {
			fh.UncompressedSize64 = size
			return data, nil
		}); err != nil {
			return nil, err
		}
	}
	return archive, nil
}

func rewrite(archive []byte, entry string, change func(*zip.FileHeader, []byte) ([]byte, error)) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		raw, err := f.OpenRaw()
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", f.Name, err)
		}
		data, err := io.ReadAll(raw)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.Name, err)
		}
		fh := f.FileHeader
		// The writer recomputes nothing for a raw entry; a data descriptor
		// would repeat the sizes, so the damaged sizes go in the headers.
		fh.Flags &^= 0x8
		if f.Name == entry {
			found = true
			if data, err = change(&fh, data); err != nil {
				return nil, fmt.Errorf("damage %s: %w", f.Name, err)
			}
		}
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", f.Name, err)
		}
		if _, err := w.Write(data); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("no entry %q in the archive", entry)
	}
	return out.Bytes(), nil
}

func damage(fh *zip.FileHeader, data []byte, d Damage) ([]byte, error) {
	if len(data) < 16 {
		return nil, fmt.Errorf("entry of %d bytes is too small to damage", len(data))
	}
	switch d {
	case BadCRC:
		fh.CRC32 ^= 0x5A5A5A5A
	case SmallerSize:
		fh.UncompressedSize64 /= 2
	case LargerSize:
		fh.UncompressedSize64 *= 2
	case CorruptDeflate:
		data = bytes.Clone(data)
		mid := len(data) / 2
		for i := mid; i < mid+8 && i < len(data); i++ {
			data[i] ^= 0xFF
		}
	case TruncatedEntry:
		data = data[:len(data)/2]
		fh.CompressedSize64 = uint64(len(data))
	case CutXML:
		return cutText(fh, data)
	default:
		return nil, fmt.Errorf("unknown damage %q", d)
	}
	return data, nil
}

// cutText unpacks a deflated entry, keeps the first half and packs it again.
func cutText(fh *zip.FileHeader, data []byte) ([]byte, error) {
	if fh.Method != zip.Deflate {
		return nil, fmt.Errorf("entry is not deflated")
	}
	text, err := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, err
	}
	text = text[:len(text)/2]
	var packed bytes.Buffer
	w, err := flate.NewWriter(&packed, flate.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	fh.CRC32 = crc32.ChecksumIEEE(text)
	fh.UncompressedSize64 = uint64(len(text))
	fh.CompressedSize64 = uint64(packed.Len())
	return packed.Bytes(), nil
}
