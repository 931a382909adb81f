package stats

import "math"

// MeanT returns the mean of values and its 95% Student t interval,
// mean ± t(0.975, n−1)·s/√n with s the sample standard deviation, together
// with n, the number of values.
//
// It is ok only when there are at least two values and all are finite. With
// exactly one finite value the mean is still returned (lo and hi are 0) and
// ok is false; with none, or with a value that is NaN or infinite, every
// number is 0. When all values are equal, s is 0 and lo = hi = mean.
func MeanT(values []float64) (mean, lo, hi float64, n int, ok bool) {
	n = len(values)
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, 0, n, false
		}
	}
	if n == 0 {
		return 0, 0, 0, 0, false
	}
	var sum float64
	for _, v := range values {
		sum += v
	}
	mean = sum / float64(n)
	if n < 2 {
		return mean, 0, 0, n, false
	}
	// The residual of the first pass corrects the rounding of sum/n (so
	// that equal values give exactly their value), then the squared
	// deviations are summed about the corrected mean.
	var resid float64
	for _, v := range values {
		resid += v - mean
	}
	mean += resid / float64(n)
	var ss float64
	for _, v := range values {
		d := v - mean
		ss += d * d
	}
	s := math.Sqrt(ss / float64(n-1))
	half := TQuantile(0.975, n-1) * s / math.Sqrt(float64(n))
	if math.IsNaN(mean) || math.IsInf(mean, 0) || math.IsNaN(half) || math.IsInf(half, 0) {
		// Finite values whose sum or spread overflows.
		return 0, 0, 0, n, false
	}
	return mean, mean - half, mean + half, n, true
}
