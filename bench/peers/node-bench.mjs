// SurveyJS 2.5 (survey-core) timed in Node on the questionnaires Tianye's engine benches
// use, converted by to-surveyjs.mjs. Prints `key value` lines for `cargo xtask bench --peers`.
//
//   node node-bench.mjs --form lbc_household/form.json --case CASE.json --large synthetic.json
//                       [--runs N] [--build-runs N] [--change-runs N]
//
// validate_ms: one complete household response checked from scratch: the data set on a
//   built model (SurveyJS runs its conditions and calculations) and `validate()` over every
//   page, as Tianye's bench runs `Form::validate` on a loaded form. The case must pass, as it
//   does in Tianye: otherwise the conversion is wrong and the run fails, listing the errors.
// build_ms: `new Model(json)` of the generated questionnaire (Tianye: `Form::from_json`);
// heap_mib: what that model keeps on the heap; reevaluate_ms and gate_ms: one answer set
// in it (an integer; the first gate, which hides or shows everything after it).
// Each figure is the median of its runs after one run not counted.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Model } from 'survey-core';
import { convertAnswers, convertForm } from './to-surveyjs.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : dflt;
};
const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (runs, f) => {
  f();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return ms;
};
const report = (key, ms) => {
  console.log(`${key} ${median(ms).toFixed(3)}`);
  console.log(`${key}_min ${Math.min(...ms).toFixed(3)}`);
  console.log(`${key}_max ${Math.max(...ms).toFixed(3)}`);
  console.log(`${key}_runs ${ms.length}`);
};

const form = read(opt('form'));
const json = convertForm(form);
const data = convertAnswers(form, read(opt('case')).response.answers);
const survey = new Model(json);
survey.data = data;
if (!survey.validate(false, false)) {
  survey.validate(true, false); // again, keeping each question's errors
  const errors = survey.getAllQuestions(false, false, true)
    .filter((q) => q.errors.length)
    .map((q) => `${q.name}: ${q.errors.map((e) => e.text ?? e.getText()).join('; ')}`);
  console.error(`SurveyJS finds the valid case invalid (a conversion error):\n${errors.join('\n')}`);
  process.exit(1);
}
const runs = Number(opt('runs', 21));
report('validate_ms', time(runs, () => {
  survey.data = data;
  return survey.validate(false, false);
}));

const large = convertForm(read(opt('large')));
const questions = (() => {
  const m = new Model(large);
  return m.getAllQuestions().length;
})();
console.log(`build_questions ${questions}`);
report('build_ms', time(Number(opt('build-runs', 5)), () => new Model(large)));

// Heap retained by the built model with its data open (with `node --expose-gc`).
if (globalThis.gc) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = new Model(large);
  kept.setValue('q0', 'yes');
  gc();
  console.log(`heap_mib ${((process.memoryUsage().heapUsed - before) / 1048576).toFixed(1)}`);
  kept.dispose();
}

// One answer changes in the built model: an integer (Tianye: `Session::set_answer`, 0.5 µs
// in README), and the first gate, whose `no` hides every later question through the chain.
const model = new Model(large);
let n = 0;
report('reevaluate_ms', time(Number(opt('change-runs', 7)), () => model.setValue('q2501', (n = (n + 1) % 100))));
let flip = false;
report('gate_ms', time(Number(opt('build-runs', 5)), () => {
  flip = !flip;
  model.setValue('q0', flip ? 'no' : 'yes');
}));
