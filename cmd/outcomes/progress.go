package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
)

// positionReader remembers where the last read ended, which during the row
// pass is how far through the file validation has got.
type positionReader struct {
	r   io.ReaderAt
	pos atomic.Int64
}

func (p *positionReader) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.r.ReadAt(b, off)
	p.pos.Store(off + int64(n))
	return n, err
}

// progress draws a one-line progress bar on a terminal for large files; on
// anything else (a pipe, a log, CI) it draws nothing.
type progress struct {
	w     io.Writer
	files []ingest.File
	pos   []*positionReader
	drawn bool
}

// minProgressBytes is the size below which a file ingests too quickly for
// a progress bar to help.
const minProgressBytes = 8 << 20

func newProgress(stderr io.Writer, req *ingest.Request) *progress {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	p := &progress{w: stderr, files: req.Files}
	for i := range req.Files {
		pr := &positionReader{r: req.Files[i].Data}
		req.Files[i].Data = pr
		p.pos = append(p.pos, pr)
	}
	return p
}

// update is the ingest's Progress callback.
func (p *progress) update(file, rows int) {
	f := p.files[file]
	if f.Size < minProgressBytes {
		return
	}
	frac := min(float64(p.pos[file].pos.Load())/float64(f.Size), 1)
	const width = 30
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if float64(i) < frac*width {
			bar[i] = '#'
		}
	}
	fmt.Fprintf(p.w, "\r%-24.24s [%s] %3.0f%%  %d rows checked", filepath.Base(f.Name), bar, frac*100, rows)
	p.drawn = true
}

// done clears the bar.
func (p *progress) done() {
	if p != nil && p.drawn {
		fmt.Fprintf(p.w, "\r%80s\r", "")
	}
}
