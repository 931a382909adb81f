package stats

import "math"

// Tuning for TQuantile. Above largeDF the Cornish–Fisher expansion alone
// agrees with the exact solution to about 1e-12 (tested at the boundary),
// while the incomplete beta function would need thousands of
// continued-fraction terms; at or below it the expansion is only the
// starting point for a safeguarded Newton iteration on the exact tail.
const (
	largeDF      = 10000
	betaMaxIter  = 10000
	betaEps      = 1e-15
	betaTiny     = 1e-300
	rootMaxIter  = 200
	rootRelTol   = 1e-15
	bracketLimit = 1100 // doublings; 2^1100 is beyond any float64
)

// TQuantile returns the p quantile of Student's t distribution with df
// degrees of freedom, accurate to about 1e-12 for df >= 1 and p not in the
// extreme tails (the reports use p = 0.975). It returns 0 when df < 1 or p
// is not strictly between 0 and 1: callers check their input.
//
// df 1 and 2 have closed forms. Otherwise the upper tail probability
// ½·I_{df/(df+t²)}(df/2, ½), from the regularized incomplete beta function,
// is solved for t by Newton's method kept inside a bisection bracket,
// starting from the Cornish–Fisher expansion (Abramowitz and Stegun 1964,
// 26.7.5), which alone is used when df > 10000.
func TQuantile(p float64, df int) float64 {
	if df < 1 || !(p > 0 && p < 1) {
		return 0
	}
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -upperT(p, df)
	}
	return upperT(1-p, df)
}

// upperT returns t > 0 with P(T > t) = q, for 0 < q < 0.5.
func upperT(q float64, df int) float64 {
	switch df {
	case 1:
		// Cauchy: q = ½ − atan(t)/π.
		return 1 / math.Tan(math.Pi*q)
	case 2:
		// F(t) = ½ + t/(2√(2+t²)), so with a = 1−2q: t = a·√(2/(1−a²)).
		return (1 - 2*q) / math.Sqrt(2*q*(1-q))
	}
	guess := cornishFisher(q, float64(df))
	if df > largeDF {
		return guess
	}
	nu := float64(df)
	// Bracket [a, b] with tail(a) >= q >= tail(b); tail(0) = ½ > q.
	a, b := 0.0, math.Max(1, 2*guess)
	for i := 0; i < bracketLimit && tTail(b, nu) > q; i++ {
		a, b = b, 2*b
	}
	t := guess
	if !(t > a && t < b) {
		t = a + (b-a)/2
	}
	for i := 0; i < rootMaxIter; i++ {
		g := tTail(t, nu) - q
		if g == 0 {
			return t
		}
		if g > 0 {
			a = t
		} else {
			b = t
		}
		next := t + g/tDensity(t, nu)
		if !(next > a && next < b) {
			next = a + (b-a)/2
		}
		if math.Abs(next-t) <= rootRelTol*t || b-a <= rootRelTol*t {
			return next
		}
		t = next
	}
	return t
}

// cornishFisher is the Cornish–Fisher expansion of the upper q point of t
// in powers of 1/nu about the normal quantile (Abramowitz and Stegun 1964,
// Handbook of Mathematical Functions, 26.7.5).
func cornishFisher(q, nu float64) float64 {
	z := math.Sqrt2 * math.Erfcinv(2*q) // Φ⁻¹(1−q)
	z2 := z * z
	g1 := (z2 + 1) * z / 4
	g2 := ((5*z2+16)*z2 + 3) * z / 96
	g3 := (((3*z2+19)*z2+17)*z2 - 15) * z / 384
	g4 := ((((79*z2+776)*z2+1482)*z2-1920)*z2 - 945) * z / 92160
	return z + (g1+(g2+(g3+g4/nu)/nu)/nu)/nu
}

// tTail is P(T > t) for t >= 0: ½·I_x(nu/2, ½) with x = nu/(nu+t²).
func tTail(t, nu float64) float64 {
	t2 := t * t
	x := nu / (nu + t2)
	y := t2 / (nu + t2)
	return regIncBeta(nu/2, 0.5, x, y) / 2
}

// tDensity is the density of Student's t with nu degrees of freedom.
func tDensity(t, nu float64) float64 {
	lgh, _ := math.Lgamma((nu + 1) / 2)
	lgn, _ := math.Lgamma(nu / 2)
	return math.Exp(lgh - lgn - 0.5*math.Log(nu*math.Pi) - (nu+1)/2*math.Log1p(t*t/nu))
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), with
// y = 1 − x passed separately so that neither loses precision. It uses the
// continued fraction of Press et al. (Numerical Recipes, 2007, 6.4) on
// whichever side converges quickly.
func regIncBeta(a, b, x, y float64) float64 {
	if x <= 0 {
		return 0
	}
	if y <= 0 {
		return 1
	}
	lab, _ := math.Lgamma(a + b)
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log(y))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, y)/b
}

// betaCF evaluates the continued fraction for I_x(a, b) by the modified
// Lentz method.
func betaCF(a, b, x float64) float64 {
	qab, qap, qam := a+b, a+1, a-1
	c := 1.0
	d := 1 - qab*x/qap
	if math.Abs(d) < betaTiny {
		d = betaTiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= betaMaxIter; m++ {
		mf := float64(m)
		m2 := 2 * mf
		aa := mf * (b - mf) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < betaTiny {
			d = betaTiny
		}
		c = 1 + aa/c
		if math.Abs(c) < betaTiny {
			c = betaTiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + mf) * (qab + mf) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < betaTiny {
			d = betaTiny
		}
		c = 1 + aa/c
		if math.Abs(c) < betaTiny {
			c = betaTiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < betaEps {
			break
		}
	}
	return h
}
