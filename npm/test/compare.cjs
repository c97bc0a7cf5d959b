// Validates every bundled case (questionnaires/*/cases and
// tests/fixtures/questionnaires/*/cases under the repository `root`) with the package's
// `Engine` and compares the problems with the case's `expected.problems` exactly
// (verdict.cjs). Prints each mismatch; returns how many cases ran and what differed.
'use strict';
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { differences } = require('./verdict.cjs');

/** The bundled questionnaires with their cases: `[{dir, form, cases: [{file, case}]}]`. */
function bundledCases(root) {
  return questionnaireDirs(root).map((dir) => ({
    dir: dir.slice(root.length + 1),
    form: served(root, dir) ?? readFileSync(join(dir, 'form.json'), 'utf8'),
    cases: readdirSync(join(dir, 'cases')).filter((f) => f.endsWith('.json')).sort()
      .map((file) => ({ file, case: JSON.parse(readFileSync(join(dir, 'cases', file), 'utf8')) })),
  }));
}

/** A questionnaire whose choice lists come from files, as the server serves it (the lists
 * written in): `cargo xtask npm --test` writes these copies under `served/`. */
function served(root, dir) {
  const copy = join(process.cwd(), 'served', `${dir.slice(root.length + 1)}.json`);
  return existsSync(copy) ? readFileSync(copy, 'utf8') : null;
}

function questionnaireDirs(root) {
  const dirs = [];
  for (const parent of ['questionnaires', 'tests/fixtures/questionnaires']) {
    const at = join(root, parent);
    for (const name of readdirSync(at).sort()) {
      const dir = join(at, name);
      if (existsSync(join(dir, 'form.json')) && existsSync(join(dir, 'cases'))) dirs.push(dir);
    }
  }
  return dirs;
}

function runCases(Engine, root, label) {
  const failures = [];
  let ran = 0;
  for (const { dir, form, cases } of bundledCases(root)) {
    const engine = new Engine(form);
    for (const { file, case: kase } of cases) {
      const where = `${dir}/cases/${file}`;
      let report;
      try {
        report = engine.validate(kase.response, 'en');
      } catch (e) {
        failures.push(`${where}: validate threw ${JSON.stringify(e)}`);
        continue;
      }
      ran += 1;
      failures.push(...differences(report, kase.expected).map((d) => `${where}: ${d}`));
    }
  }
  for (const f of failures) console.error(`${label}: ${f}`);
  console.log(`${label}: ${ran} cases, ${failures.length} mismatches`);
  return { ran, failures };
}

// A questionnaire whose `relevant` names an item that does not exist must throw an array
// of diagnostics with the code, the item, the property and the span of the bad name.
function loadErrorIsTyped(Engine, label) {
  const broken = JSON.stringify({
    id: 'broken', version: '1', title: 'broken',
    items: [{ type: 'text', name: 'a', label: 'A', relevant: "${nowhere} = 'x'" }],
  });
  try {
    new Engine(broken);
  } catch (thrown) {
    const d = Array.isArray(thrown) ? thrown.find((x) => x.severity === 'error') : undefined;
    const ok = d !== undefined && typeof d.code === 'string' && d.code.length > 0 && d.item === 'a' &&
      d.property === 'relevant' && d.span !== null && d.source !== null &&
      d.source.slice(d.span.start, d.span.end).includes('nowhere') && d.message_zh.length > 0;
    if (!ok) console.error(`${label}: the load error is not as typed: ${JSON.stringify(thrown)}`);
    return ok;
  }
  console.error(`${label}: a questionnaire with an unknown reference loaded`);
  return false;
}

// A response object that is no response (no instance_id) must throw the diagnostics
// JSON text that does not fit throws: `json.format`.
function badResponseIsTyped(Engine, root, label) {
  const engine = new Engine(bundledCases(root)[0].form);
  try {
    engine.validate({ questionnaire: { id: 'x', version: '1' } }, 'en');
  } catch (thrown) {
    const ok = Array.isArray(thrown) && thrown.length === 1 && thrown[0].code === 'json.format' &&
      thrown[0].message_en.includes('instance_id');
    if (!ok) console.error(`${label}: a bad response threw ${JSON.stringify(thrown)}`);
    return ok;
  }
  console.error(`${label}: a response without instance_id was validated`);
  return false;
}

module.exports = { runCases, loadErrorIsTyped, badResponseIsTyped, bundledCases };
