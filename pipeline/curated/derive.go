package curated

// inwardLen is the length of a UK postcode's inward code (digit, two letters).
const inwardLen = 3

// appendOutward appends the outward code of a postcode to dst: upper case,
// without spaces, everything but the inward code. It appends nothing when
// there would be nothing left, so the full postcode is never written.
func appendOutward(dst, postcode []byte) []byte {
	n := 0
	for _, c := range postcode {
		if !isSpace(c) {
			n++
		}
	}
	keep := n - inwardLen
	for _, c := range postcode {
		if keep <= 0 {
			break
		}
		if isSpace(c) {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
		keep--
	}
	return dst
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
