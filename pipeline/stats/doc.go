// Package stats holds the interval estimates that the reports print beside
// their figures (docs: metrics.md sections 0, 5 and 8): the Wilson score
// interval for a rate, Newcombe's hybrid score interval for the difference of
// two rates, and the Student t interval for a mean change.
//
// It exists so that every figure's interval is computed one way, from the
// published definitions, with nothing beyond the standard library: two
// people computing by hand from the same returns must get the same numbers,
// and the tests pin each method to the worked examples in the papers that
// define it. Undefined cases (nothing to divide, too few values) are reported
// with ok=false rather than NaN or a panic.
package stats
