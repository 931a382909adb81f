// Package synth generates a realistic consortium's quarterly returns from a
// seed, so that the pipeline can be developed, tested and benchmarked
// without real carers' data, which must never leave the organisations that
// hold it.
//
// The returns are what member organisations send: for each organisation and
// quarter, the five kinds of table of the data standard (carers, support,
// outcomes, followups, finance), either as five CSV files or as one Excel
// workbook. Every value is valid under the standard, because the columns,
// titles, codes and labels are all read from the loaded standard rather than
// typed here: the generator names only the few codes it reasons about
// (checked against the standard when it starts) and gives realistic weights
// to codes it draws, so a code added to the standard still turns up.
//
// Realism comes from simulating people rather than rows. Each carer has a
// profile at registration and a course of employment after it, drawn from one
// random stream: outcomes mark the changes in that course, follow-up surveys
// report it at 13, 26, 52 and 104 weeks (with attrition, and soft measures
// that improve on average), and support contacts run for some months after
// registration. Rows are then sorted into the returns of the quarters they
// are dated in, some arriving a quarter or two late, and an organisation's
// first return brings the carers it registered before the consortium began
// reporting, so that year-long and two-year measures have data from the
// start.
//
// What differs between organisations is how they write their files, as
// people and Excel do: labels instead of codes, day-first dates, pound signs
// and thousands separators, human titles as headers, byte-order marks, CRLF,
// Windows-1252, trailing empty rows, real Excel dates, an extra Notes sheet.
// None of these is an error; deliberately bad files are kept elsewhere.
//
// Output is deterministic: the same seed and configuration give the same
// bytes, which is why randomness comes from PCG streams named after each
// organisation and purpose, output never follows map order, and workbooks are
// zipped in sorted order with fixed timestamps.
//
// GenerateBig writes one large follow-up table (and its carers) for
// benchmarks, streaming rows so that memory does not grow with their number.
package synth
