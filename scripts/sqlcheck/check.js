// Parses SQL statements with node-sql-parser's Trino grammar (the engine of
// Athena engine 3). Reads a JSON array of {name, sql} on stdin and prints a
// JSON array of {name, ok, error} on stdout; exits 0 whatever the results,
// so that the Go test says which statement failed and why.
const { Parser } = require('node-sql-parser');

const parser = new Parser();
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map(({ name, sql }) => {
    try {
      parser.astify(sql, { database: 'trino' });
      return { name, ok: true };
    } catch (e) {
      return { name, ok: false, error: String(e.message || e).slice(0, 400) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
