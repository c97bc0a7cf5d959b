// How a report differs from a case's expectation, as core/src/case.rs judges natively:
// the problems (path + code) as a multiset must equal `expected.problems` exactly, the
// expected calculated values must be there (numbers within 1e-9), and the cleared
// answers must be exactly `expected.cleared` when given. `evaluate`'s result must equal
// the native engine's for the same response exactly (evaluations.json, written by
// `cargo xtask npm --test`), and hold the case's expected calculated values.
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

/** JSON text with every object's keys sorted: equal for equal values, whatever the order. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** How `evaluate`'s result differs from the native engine's (`native`, exactly) and from
 *  the case's expected calculated values. */
function evaluationDifferences(evaluation, native, expected) {
  const out = [];
  if (native === undefined) return ['no native evaluation to compare with'];
  for (const part of ['relevant', 'values']) {
    const got = evaluation[part] || {};
    const want = native[part] || {};
    for (const path of [...new Set([...Object.keys(got), ...Object.keys(want)])].sort()) {
      if (canonical(got[path]) !== canonical(want[path])) {
        out.push(`evaluate ${part} ${path}: native ${canonical(want[path])}, got ${canonical(got[path])}`);
      }
    }
  }
  if (Object.keys(evaluation).sort().join() !== 'relevant,values') {
    out.push(`evaluate gave the keys ${Object.keys(evaluation).sort().join()}`);
  }
  for (const [path, want] of Object.entries(expected.values || {})) {
    const value = (evaluation.values || {})[path];
    const same = typeof want === 'number' && typeof value === 'number'
      ? Math.abs(want - value) < 1e-9
      : canonical(value) === canonical(want);
    if (!same) out.push(`evaluate value ${path}: expected ${JSON.stringify(want)}, got ${JSON.stringify(value)}`);
  }
  return out;
}

/** Every difference of one case's runs: `validate` against the expectation, `evaluate`
 *  against the native engine and the expectation. */
function caseDifferences(engine, kase, native, lang) {
  return [
    ...differences(engine.validate(kase.response, lang), kase.expected),
    ...evaluationDifferences(engine.evaluate(kase.response), native, kase.expected),
  ];
}

module.exports = { differences, evaluationDifferences, caseDifferences };
