package stats

import "math"

// Z95 is the standard normal quantile for a two-sided 95% interval,
// Φ⁻¹(0.975), to the precision that metrics.md section 0 fixes.
const Z95 = 1.959963984540054

// Wilson returns the 95% Wilson score interval, without continuity
// correction, for x successes out of n. It is ok only when 0 <= x <= n and
// n > 0. The limits are exact at the ends: lo is 0 when x is 0 and hi is 1
// when x is n.
func Wilson(x, n int) (lo, hi float64, ok bool) {
	if n <= 0 || x < 0 || x > n {
		return 0, 0, false
	}
	nf := float64(n)
	p := float64(x) / nf
	z2 := Z95 * Z95
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := Z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / denom
	lo = math.Max(0, centre-half)
	hi = math.Min(1, centre+half)
	if x == 0 {
		lo = 0
	}
	if x == n {
		hi = 1
	}
	return lo, hi, true
}

// Newcombe returns p1 − p2, with p1 = x1/n1 and p2 = x2/n2, and its 95%
// hybrid score interval (Newcombe 1998, method 10) built from the Wilson
// limits (l1, u1) and (l2, u2) of the two rates:
//
//	lo = d − √((p1−l1)² + (u2−p2)²)
//	hi = d + √((u1−p1)² + (p2−l2)²)
//
// It is ok only when both rates are (see Wilson).
func Newcombe(x1, n1, x2, n2 int) (diff, lo, hi float64, ok bool) {
	l1, u1, ok1 := Wilson(x1, n1)
	l2, u2, ok2 := Wilson(x2, n2)
	if !ok1 || !ok2 {
		return 0, 0, 0, false
	}
	p1 := float64(x1) / float64(n1)
	p2 := float64(x2) / float64(n2)
	diff = p1 - p2
	lo = diff - math.Hypot(p1-l1, u2-p2)
	hi = diff + math.Hypot(u1-p1, p2-l2)
	return diff, lo, hi, true
}
