package heapwatch

import "testing"

func TestStart(t *testing.T) {
	stop := Start()
	keep := make([][]byte, 0, 64)
	for range 64 {
		keep = append(keep, make([]byte, 1<<20)) // 64 MiB live
	}
	peak := stop()
	if peak < 32<<20 {
		t.Errorf("peak growth %d bytes while 64 MiB were live", peak)
	}
	_ = keep[63][0]
}
