// Validates and evaluates every bundled case (questionnaires/*/cases and
// tests/fixtures/questionnaires/*/cases under the repository `root`) with the package's
// `Engine`, made from the questionnaire's JSON or (the XLSForm entry) from its XLSForm
// workbook, and compares the problems with the case's `expected.problems` exactly and the
// evaluation with the native engine's (verdict.cjs). Prints each mismatch; returns how
// many cases ran and what differed.
'use strict';
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { caseDifferences } = require('./verdict.cjs');

/** The bundled questionnaires with their cases: `[{dir, form, xlsform, cases: [{file,
 *  case}]}]`, `xlsform` the workbook's path in the test project (`xlsform/<dir>.xlsx`,
 *  written by `cargo xtask npm --test`). */
function bundledCases(root) {
  return questionnaireDirs(root).map((dir) => ({
    dir: dir.slice(root.length + 1),
    form: served(root, dir) ?? readFileSync(join(dir, 'form.json'), 'utf8'),
    xlsform: `xlsform/${dir.slice(root.length + 1)}.xlsx`,
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

/** What the native engine's `evaluate` gives for each case, by `<dir>/cases/<file>`. */
function nativeEvaluations() {
  return JSON.parse(readFileSync(join(process.cwd(), 'evaluations.json'), 'utf8'));
}

/** Runs every case with an engine made by `load(questionnaire)` (`new Engine(form)`, or
 *  `Engine.fromXlsform` of its workbook). */
function runCases(load, root, label) {
  const failures = [];
  const native = nativeEvaluations();
  let ran = 0;
  for (const questionnaire of bundledCases(root)) {
    let engine;
    try {
      engine = load(questionnaire);
    } catch (e) {
      failures.push(`${questionnaire.dir}: loading threw ${JSON.stringify(e)}`);
      continue;
    }
    for (const { file, case: kase } of questionnaire.cases) {
      const where = `${questionnaire.dir}/cases/${file}`;
      try {
        failures.push(...caseDifferences(engine, kase, native[where], 'en').map((d) => `${where}: ${d}`));
      } catch (e) {
        failures.push(`${where}: threw ${JSON.stringify(e)}`);
        continue;
      }
      ran += 1;
    }
  }
  for (const f of failures) console.error(`${label}: ${f}`);
  console.log(`${label}: ${ran} cases, ${failures.length} mismatches`);
  return { ran, failures };
}

/** Every case from the questionnaire's JSON (`Engine` of either entry). */
function runJsonCases(Engine, root, label) {
  return runCases(({ form }) => new Engine(form), root, label);
}

/** Every case from the questionnaire's XLSForm workbook (the XLSForm entry's `Engine`). */
function runXlsformCases(Engine, root, label) {
  return runCases(({ xlsform }) => Engine.fromXlsform(readFileSync(xlsform)), root, label);
}

// A workbook whose `relevant` names an item that does not exist must throw an array of
// findings with the code and the cell (sheet, row, column) and the span of the bad name;
// bytes that are no workbook throw `xlsform.unreadable`; the settings' `public_key` is
// checked as natively (a researcher's key loads, a non-key is refused at its cell).
function xlsformErrorIsTyped(Engine, root, label) {
  const markdown = [
    '| survey |      |      |       |                   |',
    '|        | type | name | label | relevant          |',
    "|        | text | a    | A     | ${nowhere} = 'x'  |",
  ].join('\n');
  const problems = [];
  try {
    Engine.fromXlsform(new TextEncoder().encode(markdown), 'markdown');
    problems.push('a workbook with an unknown reference loaded');
  } catch (thrown) {
    const d = Array.isArray(thrown) ? thrown.find((x) => x.severity === 'error') : undefined;
    const ok = d !== undefined && d.code === 'expr.unknown_ref' && d.sheet === 'survey' && d.row === 2 &&
      d.column === 'D' && d.cell === 'survey!D2' && d.property === 'relevant' && d.span !== null &&
      d.source !== null && d.source.slice(d.span.start, d.span.end).includes('nowhere') &&
      d.message_zh.length > 0 && d.rendered.includes('survey!D2');
    if (!ok) problems.push(`the load error is not as typed: ${JSON.stringify(thrown)}`);
  }
  try {
    Engine.fromXlsform(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]));
    problems.push('a cut-off zip loaded');
  } catch (thrown) {
    const ok = Array.isArray(thrown) && thrown.length === 1 && thrown[0].code === 'xlsform.unreadable' &&
      thrown[0].params.format === 'xlsx' && thrown[0].sheet === '' && thrown[0].row === null;
    if (!ok) problems.push(`unreadable bytes threw ${JSON.stringify(thrown)}`);
  }
  const pem = readFileSync(join(root, 'core/tests/fixtures/seal/test-public.pem'), 'utf8');
  const key = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  const withKey = (k) => new TextEncoder().encode([
    '| settings | form_id | public_key |', `|          | k       | ${k} |`,
    '| survey   | type    | name | label |', '|          | text    | a    | A     |',
  ].join('\n'));
  try {
    Engine.fromXlsform(withKey(key), 'markdown').free();
  } catch (thrown) {
    problems.push(`a workbook with the researcher's key threw ${JSON.stringify(thrown)}`);
  }
  try {
    Engine.fromXlsform(withKey('bm90IGEga2V5'), 'markdown');
    problems.push('a workbook whose public_key is no key loaded');
  } catch (thrown) {
    const ok = Array.isArray(thrown) && thrown.some((f) => f.code === 'schema.encryption_key' && f.cell === 'settings!B2');
    if (!ok) problems.push(`a bad public_key threw ${JSON.stringify(thrown)}`);
  }
  for (const p of problems) console.error(`${label}: ${p}`);
  return problems.length === 0;
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

module.exports = {
  runJsonCases, runXlsformCases, loadErrorIsTyped, badResponseIsTyped, xlsformErrorIsTyped, bundledCases,
  nativeEvaluations,
};
