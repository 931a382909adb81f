package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
)

func TestProgress_Update(t *testing.T) {
	var buf bytes.Buffer
	big := ingest.File{Name: "dir/followups.csv", Data: strings.NewReader(strings.Repeat("x", 100)), Size: 16 << 20}
	small := ingest.File{Name: "finance.csv", Data: strings.NewReader("x"), Size: 1}
	p := &progress{w: &buf, files: []ingest.File{big, small}, pos: []*positionReader{{r: big.Data}, {r: small.Data}}}
	p.pos[0].pos.Store(8 << 20)
	p.update(0, 16384)
	p.update(1, 16384) // too small a file for a bar
	got := buf.String()
	if !strings.Contains(got, "followups.csv") || !strings.Contains(got, " 50%") || !strings.Contains(got, "16384 rows checked") || strings.Contains(got, "finance") {
		t.Errorf("progress line = %q", got)
	}
	p.done()
	if !strings.HasSuffix(buf.String(), "\r") {
		t.Errorf("the bar is not cleared: %q", buf.String())
	}
	if newProgress(&buf, &ingest.Request{}) != nil {
		t.Error("a bar is drawn on something that is not a terminal")
	}
}
