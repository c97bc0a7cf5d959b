// How a report differs from a case's expectation: the problems (path + code) as a
// multiset must equal `expected.problems` exactly, as core/src/case.rs requires natively.
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
  if (report.valid !== (got.length === 0)) out.push(`valid is ${report.valid} with ${got.length} problems`);
  return out;
}

module.exports = { differences };
