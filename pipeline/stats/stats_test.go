package stats

import (
	"math"
	"testing"
)

// tableTol is half a unit in the fourth decimal place: a computed limit
// agrees with a table printed to four decimals when it rounds to it.
const tableTol = 5e-5 + 1e-12

func near(tb testing.TB, what string, got, want, tol float64) {
	tb.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		tb.Errorf("%s = %.10f, want %.10f (±%g)", what, got, want, tol)
	}
}

func TestWilson(t *testing.T) {
	// Newcombe RG (1998), "Two-sided confidence intervals for the single
	// proportion: comparison of seven methods", Statistics in Medicine
	// 17:857–872, Table I, method 3 (score method without continuity
	// correction).
	tests := []struct {
		name   string
		x, n   int
		lo, hi float64
	}{
		{"81/263", 81, 263, 0.2553, 0.3662},
		{"15/148", 15, 148, 0.0624, 0.1605},
		{"0/20", 0, 20, 0, 0.1611},
		{"1/29", 1, 29, 0.0061, 0.1718},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi, ok := Wilson(tt.x, tt.n)
			if !ok {
				t.Fatalf("Wilson(%d, %d) not ok", tt.x, tt.n)
			}
			near(t, "lo", lo, tt.lo, tableTol)
			near(t, "hi", hi, tt.hi, tableTol)
		})
	}
}

func TestWilson_Edges(t *testing.T) {
	tests := []struct {
		name   string
		x, n   int
		lo, hi float64
		ok     bool
	}{
		{"nothing to divide", 0, 0, 0, 0, false},
		{"negative n", 0, -3, 0, 0, false},
		{"x above n", 5, 4, 0, 0, false},
		{"negative x", -1, 4, 0, 0, false},
		// z²/(n+z²) is the exact upper limit at x = 0.
		{"x = 0", 0, 7, 0, Z95 * Z95 / (7 + Z95*Z95), true},
		{"x = n", 7, 7, 7 / (7 + Z95*Z95), 1, true},
		{"1/1", 1, 1, 1 / (1 + Z95*Z95), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi, ok := Wilson(tt.x, tt.n)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			near(t, "lo", lo, tt.lo, 1e-15)
			near(t, "hi", hi, tt.hi, 1e-15)
		})
	}
	// Exactness at the ends, not merely closeness.
	for _, n := range []int{1, 2, 10, 263, 1000000} {
		if lo, _, _ := Wilson(0, n); lo != 0 {
			t.Errorf("Wilson(0, %d) lo = %g, want exactly 0", n, lo)
		}
		if _, hi, _ := Wilson(n, n); hi != 1 {
			t.Errorf("Wilson(%d, %d) hi = %g, want exactly 1", n, n, hi)
		}
	}
}

func TestWilson_ContainsRate(t *testing.T) {
	for n := 1; n <= 60; n++ {
		for x := 0; x <= n; x++ {
			lo, hi, ok := Wilson(x, n)
			p := float64(x) / float64(n)
			if !ok || lo < 0 || hi > 1 || lo > p || p > hi {
				t.Fatalf("Wilson(%d, %d) = %g, %g, %v: want 0 <= lo <= %g <= hi <= 1", x, n, lo, hi, ok, p)
			}
			// Symmetry: the interval for n−x is the mirror image.
			mlo, mhi, _ := Wilson(n-x, n)
			near(t, "mirror lo", mlo, 1-hi, 1e-15)
			near(t, "mirror hi", mhi, 1-lo, 1e-15)
		}
	}
}

func TestNewcombe(t *testing.T) {
	// Newcombe RG (1998), "Interval estimation for the difference between
	// independent proportions: comparison of eleven methods", Statistics in
	// Medicine 17:873–890, Table II, method 10 (hybrid score, no continuity
	// correction), examples (a)–(h).
	tests := []struct {
		name           string
		x1, n1, x2, n2 int
		diff, lo, hi   float64
	}{
		{"(a) 56/70 - 48/80", 56, 70, 48, 80, 0.2, 0.0524, 0.3339},
		{"(b) 9/10 - 3/10", 9, 10, 3, 10, 0.6, 0.1705, 0.8090},
		{"(c) 6/7 - 2/7", 6, 7, 2, 7, 0.5714, 0.0582, 0.8062},
		{"(d) 5/56 - 0/29", 5, 56, 0, 29, 0.0893, -0.0381, 0.1926},
		{"(e) 0/10 - 0/20", 0, 10, 0, 20, 0, -0.1611, 0.2775},
		{"(f) 0/10 - 0/10", 0, 10, 0, 10, 0, -0.2775, 0.2775},
		{"(g) 10/10 - 0/20", 10, 10, 0, 20, 1, 0.6791, 1.0000},
		{"(h) 10/10 - 0/10", 10, 10, 0, 10, 1, 0.6075, 1.0000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diff, lo, hi, ok := Newcombe(tt.x1, tt.n1, tt.x2, tt.n2)
			if !ok {
				t.Fatal("not ok")
			}
			near(t, "diff", diff, tt.diff, tableTol)
			near(t, "lo", lo, tt.lo, tableTol)
			near(t, "hi", hi, tt.hi, tableTol)
		})
	}
}

func TestNewcombe_Edges(t *testing.T) {
	tests := []struct {
		name           string
		x1, n1, x2, n2 int
	}{
		{"first empty", 0, 0, 3, 10},
		{"second empty", 3, 10, 0, 0},
		{"both empty", 0, 0, 0, 0},
		{"x above n", 11, 10, 3, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diff, lo, hi, ok := Newcombe(tt.x1, tt.n1, tt.x2, tt.n2)
			if ok || diff != 0 || lo != 0 || hi != 0 {
				t.Errorf("= %g, %g, %g, %v; want zeros and not ok", diff, lo, hi, ok)
			}
		})
	}
	// Swapping the groups negates the difference and mirrors the interval,
	// and the interval stays within [−1, 1] around the difference.
	for _, c := range [][4]int{{56, 70, 48, 80}, {5, 56, 0, 29}, {10, 10, 0, 20}, {0, 1, 1, 1}, {3, 3, 3, 3}} {
		d, lo, hi, _ := Newcombe(c[0], c[1], c[2], c[3])
		sd, slo, shi, _ := Newcombe(c[2], c[3], c[0], c[1])
		near(t, "swapped diff", sd, -d, 1e-15)
		near(t, "swapped lo", slo, -hi, 1e-15)
		near(t, "swapped hi", shi, -lo, 1e-15)
		if lo < -1-1e-15 || hi > 1+1e-15 || lo > d || d > hi {
			t.Errorf("Newcombe%v = %g [%g, %g]: want -1 <= lo <= diff <= hi <= 1", c, d, lo, hi)
		}
	}
}

func TestTQuantile(t *testing.T) {
	// Reference values to nine decimals (R Core Team, R's qt(); the same
	// figures, to fewer digits, as the printed tables, e.g. Abramowitz and
	// Stegun 1964, Handbook of Mathematical Functions, Table 26.10).
	tests := []struct {
		name string
		p    float64
		df   int
		want float64
	}{
		{"0.975 df1", 0.975, 1, 12.706204736},
		{"0.975 df2", 0.975, 2, 4.302652730},
		{"0.975 df3", 0.975, 3, 3.182446305},
		{"0.975 df7", 0.975, 7, 2.364624252},
		{"0.975 df9", 0.975, 9, 2.262157163},
		{"0.975 df29", 0.975, 29, 2.045229642},
		{"0.975 df30", 0.975, 30, 2.042272456},
		{"0.975 df120", 0.975, 120, 1.979930405},
		{"0.995 df1", 0.995, 1, 63.656741163},
		{"0.025 df9", 0.025, 9, -2.262157163},
		{"0.5 df5", 0.5, 5, 0},
		// As df grows t tends to the normal quantile; the first-order
		// term (z³+z)/(4·df) is below 1e-11 here.
		{"0.975 df 2^40", 0.975, 1 << 40, Z95},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			near(t, "TQuantile", TQuantile(tt.p, tt.df), tt.want, 1e-9)
		})
	}
}

func TestTQuantile_Invalid(t *testing.T) {
	tests := []struct {
		name string
		p    float64
		df   int
	}{
		{"df 0", 0.975, 0},
		{"df negative", 0.975, -4},
		{"p 0", 0, 5},
		{"p 1", 1, 5},
		{"p above 1", 1.5, 5},
		{"p NaN", math.NaN(), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TQuantile(tt.p, tt.df); got != 0 {
				t.Errorf("TQuantile(%g, %d) = %g, want 0", tt.p, tt.df, got)
			}
		})
	}
}

func TestTQuantile_Inverts(t *testing.T) {
	// The quantile inverts the tail it was solved from, is odd about
	// p = ½, and the large-df expansion meets the exact solution.
	for _, df := range []int{1, 2, 3, 4, 5, 8, 15, 40, 300, 5000, largeDF} {
		for _, p := range []float64{0.6, 0.75, 0.9, 0.95, 0.975, 0.995, 0.9995, 1 - 1e-8} {
			q := TQuantile(p, df)
			tail := tTail(q, float64(df))
			if math.Abs(tail-(1-p)) > 1e-12*(1-p)+1e-15 {
				t.Errorf("df %d p %g: tail(%.12g) = %.15g, want %.15g", df, p, q, tail, 1-p)
			}
			if m := TQuantile(1-p, df); m != -q {
				t.Errorf("df %d p %g: TQuantile(1−p) = %.15g, want %.15g", df, p, m, -q)
			}
		}
	}
	for _, p := range []float64{0.9, 0.975, 0.995} {
		exact := TQuantile(p, largeDF)
		near(t, "expansion at largeDF", cornishFisher(1-p, largeDF), exact, 1e-11)
	}
}

func TestMeanT(t *testing.T) {
	// Worked by hand: 5.1, 4.9, 5.6, 5.8, 6.0, 5.2, 4.8, 5.5.
	// Sum 42.9, n 8, mean 5.3625. Deviations −0.2625, −0.4625, 0.2375,
	// 0.4375, 0.6375, −0.1625, −0.5625, 0.1375; squares sum to 1.29875, so
	// s² = 1.29875/7 = 0.185535714…, s = 0.430738568…, s/√8 = 0.152289081….
	// t(0.975, 7) = 2.364624252, half-width 0.360106455, interval
	// 5.002393545 to 5.722606455.
	tests := []struct {
		name         string
		values       []float64
		mean, lo, hi float64
		n            int
		ok           bool
	}{
		{"worked example", []float64{5.1, 4.9, 5.6, 5.8, 6.0, 5.2, 4.8, 5.5}, 5.3625, 5.002393545, 5.722606455, 8, true},
		// Two values a and b: s = |a−b|/√2, s/√2 = |a−b|/2, half-width
		// t(0.975,1)·1 = 12.706204736.
		{"two values", []float64{-1, 1}, 0, -12.706204736, 12.706204736, 2, true},
		{"identical values", []float64{3, 3, 3, 3}, 3, 3, 3, 4, true},
		{"one value", []float64{4.5}, 4.5, 0, 0, 1, false},
		{"no values", nil, 0, 0, 0, 0, false},
		{"NaN", []float64{1, math.NaN(), 2}, 0, 0, 0, 3, false},
		{"infinite", []float64{1, math.Inf(1)}, 0, 0, 0, 2, false},
		{"overflowing spread", []float64{math.MaxFloat64, -math.MaxFloat64}, 0, 0, 0, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mean, lo, hi, n, ok := MeanT(tt.values)
			if ok != tt.ok || n != tt.n {
				t.Fatalf("n, ok = %d, %v; want %d, %v", n, ok, tt.n, tt.ok)
			}
			near(t, "mean", mean, tt.mean, 1e-12)
			near(t, "lo", lo, tt.lo, 1e-9)
			near(t, "hi", hi, tt.hi, 1e-9)
		})
	}
}

func TestMeanT_IdenticalIsExact(t *testing.T) {
	// s = 0 gives lo = hi = mean exactly, even for values with no exact
	// binary form.
	for _, v := range []float64{0.1, -2.7, 1e9 + 0.3} {
		vals := []float64{v, v, v, v, v, v, v}
		mean, lo, hi, _, ok := MeanT(vals)
		if !ok || mean != v || lo != v || hi != v {
			t.Errorf("MeanT(%g ×7) = %g [%g, %g] %v; want all exactly %g", v, mean, lo, hi, ok, v)
		}
	}
}
