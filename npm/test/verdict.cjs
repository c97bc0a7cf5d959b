// How a report differs from a case's expectation, as core/src/case.rs judges natively:
// the problems (path + code) as a multiset must equal `expected.problems` exactly, the
// expected calculated values must be there (numbers within 1e-9), and the cleared
// answers must be exactly `expected.cleared` when given.
// No Node APIs: the browser run bundles it too.
'use strict';

function differences(report, expected) {
  const out = [];
  const got = report.problems.map((p) => `${p.path} ${p.code}`).sort();
  const left = (expected.problems || []).map((p) => `${p.path} ${p.code}`).sort();
  for (const g of got) {
    const i = left.indexOf(g);
    if (i >= 0) left.splice(i, 1);
    else {
      const p = report.problems.find((q) => `${q.path} ${q.code}` === g);
      out.push(`unexpected problem ${g}: ${p.message}`);
    }
  }
  for (const w of left) out.push(`missing problem ${w}`);
  for (const [path, want] of Object.entries(expected.values || {})) {
    const value = report.values[path];
    const same = typeof want === 'number' && typeof value === 'number'
      ? Math.abs(want - value) < 1e-9
      : JSON.stringify(value) === JSON.stringify(want);
    if (!same) out.push(`value ${path}: expected ${JSON.stringify(want)}, got ${JSON.stringify(value)}`);
  }
  if (expected.cleared) {
    const got = [...new Set(report.cleared)].sort().join(', ');
    const want = [...new Set(expected.cleared)].sort().join(', ');
    if (got !== want) out.push(`cleared: expected [${want}], got [${got}]`);
  }
  if (report.valid !== (got.length === 0)) out.push(`valid is ${report.valid} with ${got.length} problems`);
  return out;
}

module.exports = { differences };
