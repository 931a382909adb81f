package tabular

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// openCSV works out the text encoding once, from the whole file, so that a
// Windows-1252 pound sign on the last line is not misread as broken UTF-8.
func openCSV(name string, r io.ReaderAt, size int64, lim Limits) (*File, error) {
	enc, skip, dec, err := sniffEncoding(r, size)
	if err != nil {
		return nil, err
	}
	t := &Table{open: func() (RowReader, error) {
		var src io.Reader = io.NewSectionReader(r, skip, size-skip)
		if dec != nil {
			src = transform.NewReader(src, dec.NewDecoder())
		}
		return newCSVReader(src, lim.MaxRows, lim.MaxColumns), nil
	}}
	return &File{Name: name, Format: CSV, Encoding: enc, Tables: []*Table{t}}, nil
}

func sniffEncoding(r io.ReaderAt, size int64) (name string, skip int64, dec encoding.Encoding, err error) {
	var bom [3]byte
	n, _ := r.ReadAt(bom[:], 0)
	switch {
	case n >= 3 && bom == [3]byte{0xEF, 0xBB, 0xBF}:
		name, skip = "utf-8-bom", 3
	case n >= 2 && bom[0] == 0xFF && bom[1] == 0xFE:
		return "utf-16le", 2, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), checkUTF16(r, size, false)
	case n >= 2 && bom[0] == 0xFE && bom[1] == 0xFF:
		return "utf-16be", 2, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), checkUTF16(r, size, true)
	default:
		name = "utf-8"
	}
	valid, text, err := scanText(io.NewSectionReader(r, skip, size-skip))
	switch {
	case err != nil:
		return "", 0, nil, fmt.Errorf("read file: %w", err)
	case !text:
		return "", 0, nil, unreadable("the file is not text: it may be a binary file renamed .csv, or text saved as UTF-16 without a byte-order mark; save it from Excel as CSV UTF-8")
	case !valid && skip == 3:
		return "", 0, nil, unreadable("the file starts with a UTF-8 byte-order mark but is not valid UTF-8: save it again as CSV UTF-8")
	case !valid:
		return "windows-1252", 0, charmap.Windows1252, nil
	}
	if allBlank, err := blank(io.NewSectionReader(r, skip, size-skip)); err != nil || allBlank {
		return "", 0, nil, unreadable("the file holds no data: it is empty apart from spaces or line ends")
	}
	return name, skip, nil, nil
}

// checkUTF16 refuses UTF-16 text that was cut off or damaged: an odd number
// of bytes, or half of a surrogate pair. The decoder would turn either into
// a replacement character and read on, so the file's end, or a value in the
// middle, would change without a word.
func checkUTF16(r io.ReaderAt, size int64, bigEndian bool) error {
	if (size-2)%2 != 0 {
		return unreadable("the file is damaged: it is UTF-16 text with an odd number of bytes, so it was cut off; save it again from Excel as CSV UTF-8 and send it again")
	}
	buf := make([]byte, 64<<10)
	high := false // the previous unit was a high surrogate
	for off := int64(2); off < size; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n < 2 && err != nil {
			return fmt.Errorf("read file: %w", err)
		}
		n -= n % 2
		for i := 0; i < n; i += 2 {
			u := uint16(buf[i]) | uint16(buf[i+1])<<8
			if bigEndian {
				u = uint16(buf[i])<<8 | uint16(buf[i+1])
			}
			switch {
			case u >= 0xD800 && u < 0xDC00:
				if high {
					return brokenUTF16(off + int64(i))
				}
				high = true
			case u >= 0xDC00 && u < 0xE000:
				if !high {
					return brokenUTF16(off + int64(i))
				}
				high = false
			default:
				if high {
					return brokenUTF16(off + int64(i))
				}
			}
		}
		off += int64(n)
	}
	if high {
		return brokenUTF16(size)
	}
	return nil
}

func brokenUTF16(at int64) error {
	return unreadable("the file is damaged: its UTF-16 text has half a character at byte %d, so it was cut off or corrupted; save it again from Excel as CSV UTF-8 and send it again", at)
}

// scanText reports whether the stream is valid UTF-8, and whether it is text
// at all (no NUL bytes, few control characters).
func scanText(r io.Reader) (valid, text bool, err error) {
	buf := make([]byte, 1<<20)
	var carry int
	valid = true
	var total, sample, controls int
	for {
		n, err := io.ReadFull(r, buf[carry:])
		chunk := buf[:carry+n]
		final := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !final {
			return false, false, err
		}
		if bytes.IndexByte(chunk, 0) >= 0 {
			return false, false, nil
		}
		if total == 0 {
			// Judge by the first chunk: a binary file shows itself early.
			for _, b := range chunk[carry:] {
				if b < 0x20 && b != '\n' && b != '\r' && b != '\t' {
					controls++
				}
			}
			sample = n
		}
		total += n
		cut := len(chunk)
		if !final {
			// Keep an incomplete rune at the end for the next chunk.
			for i := len(chunk) - 1; i >= 0 && i >= len(chunk)-utf8.UTFMax; i-- {
				if utf8.RuneStart(chunk[i]) {
					if !utf8.FullRune(chunk[i:]) {
						cut = i
					}
					break
				}
			}
		}
		if valid && !utf8.Valid(chunk[:cut]) {
			valid = false
		}
		if final {
			return valid, controls*100 <= sample, nil
		}
		carry = copy(buf, chunk[cut:])
	}
}

func blank(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if len(bytes.Trim(buf[:n], " \t\r\n,;")) > 0 {
			return false, nil
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// csvReader is an RFC 4180 reader that hands out cells as slices of its own
// buffers instead of strings: validating a million rows a second leaves no
// room for an allocation per cell. Unlike encoding/csv it keeps blank lines
// as empty rows, so row numbers match what Excel shows.
type csvReader struct {
	br      *bufio.Reader
	maxRows int
	maxCols int
	row     int // physical rows (records) read so far
	data    int // non-empty data rows
	line    []byte
	rec     []byte
	ends    []int
	cells   [][]byte
}

func newCSVReader(r io.Reader, maxRows, maxCols int) *csvReader {
	if maxCols <= 0 {
		maxCols = math.MaxInt
	}
	return &csvReader{br: bufio.NewReaderSize(r, 256<<10), maxRows: maxRows, maxCols: maxCols}
}

func (c *csvReader) Close() error { return nil }

// readLine returns the next line without its line end; the slice is valid
// until the next call.
func (c *csvReader) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		c.line = append(c.line[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = c.br.ReadSlice('\n')
			c.line = append(c.line, line...)
		}
		line = c.line
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	return line, err
}

// Next implements RowReader.
func (c *csvReader) Next() (Row, error) {
	line, err := c.readLine()
	if err != nil {
		return Row{}, err
	}
	c.row++
	start := c.row
	cells := c.cells[:0]
	beyond := 0
	if bytes.IndexByte(line, '"') < 0 {
		// Fast path: no quotes, cells are slices of the line itself.
		for {
			i := bytes.IndexByte(line, ',')
			cell := line
			if i >= 0 {
				cell = line[:i]
			}
			if len(cells) < c.maxCols {
				cells = append(cells, cell)
			} else if len(bytes.TrimSpace(cell)) > 0 {
				beyond++
			}
			if i < 0 {
				break
			}
			line = line[i+1:]
		}
	} else if cells, beyond, err = c.parseQuoted(line, cells); err == errOpenQuote {
		return Row{}, unreadable("row %d: %w", start, err)
	} else if err != nil {
		return Row{}, fmt.Errorf("read row %d: %w", start, err)
	}
	c.cells = cells
	r := Row{Number: start, Cells: cells, Beyond: beyond}
	if c.maxRows > 0 && (beyond > 0 || !r.Empty()) {
		// The header is the first non-empty row and does not count.
		if c.data++; c.data > c.maxRows+1 {
			return Row{}, unreadable("row %d: %w: a table may have at most %d data rows; split the file", start, ErrTooManyRows, c.maxRows)
		}
	}
	return r, nil
}

var errOpenQuote = errors.New("a quoted cell is never closed: check for a stray double quote (\") in this row")

// parseQuoted splits a line with quotes into cells, reading further lines
// while a quoted cell goes on past a line end.
func (c *csvReader) parseQuoted(line []byte, cells [][]byte) ([][]byte, int, error) {
	c.rec = c.rec[:0]
	c.ends = c.ends[:0]
	// A cell past the cap is parsed (its quotes decide where the record
	// ends) but not kept: end drops its text and only counts it.
	beyond := 0
	end := func() {
		if len(c.ends) < c.maxCols {
			c.ends = append(c.ends, len(c.rec))
			return
		}
		prev := 0
		if n := len(c.ends); n > 0 {
			prev = c.ends[n-1]
		}
		if len(bytes.TrimSpace(c.rec[prev:])) > 0 {
			beyond++
		}
		c.rec = c.rec[:prev]
	}
	for {
		if len(line) > 0 && line[0] == '"' {
			line = line[1:]
			for {
				i := bytes.IndexByte(line, '"')
				switch {
				case i < 0:
					// The quoted cell goes on to the next line.
					c.rec = append(c.rec, line...)
					c.rec = append(c.rec, '\n')
					next, err := c.readLine()
					if err == io.EOF {
						return nil, 0, errOpenQuote
					} else if err != nil {
						return nil, 0, err
					}
					line = next
					continue
				case i+1 < len(line) && line[i+1] == '"':
					c.rec = append(c.rec, line[:i+1]...)
					line = line[i+2:]
					continue
				}
				c.rec = append(c.rec, line[:i]...)
				line = line[i+1:]
				break
			}
			// Text after the closing quote (lenient: keep it).
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				c.rec = append(c.rec, line...)
				end()
				break
			}
			c.rec = append(c.rec, line[:i]...)
			end()
			line = line[i+1:]
			continue
		}
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			c.rec = append(c.rec, line...)
			end()
			break
		}
		c.rec = append(c.rec, line[:i]...)
		end()
		line = line[i+1:]
	}
	prev := 0
	for _, e := range c.ends {
		cells = append(cells, c.rec[prev:e:e])
		prev = e
	}
	return cells, beyond, nil
}
