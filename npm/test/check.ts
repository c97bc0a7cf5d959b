// Compiled by `cargo xtask test` with `tsc --noEmit --strict` against the installed
// package: the API's types must be precise enough that the wrong uses below fail
// (each `@ts-expect-error` is itself an error when the line compiles).
import init, { Engine, type Diagnostic, type Problem, type SurveyResponse } from 'tianye-core';

export async function check(questionnaire: string): Promise<string[]> {
  await init();
  let engine: Engine;
  try {
    engine = new Engine(questionnaire);
  } catch (thrown) {
    const diagnostics = thrown as Diagnostic[];
    return diagnostics.map((d) => `${d.code} ${d.item} ${d.span?.start ?? ''} ${d.line ?? ''} ${d.message_zh}`);
  }
  const response: SurveyResponse = {
    instance_id: '5c4d23fc-8cd9-5924-908f-f98c3fb98e2c',
    questionnaire: { id: 'q', version: '1' },
    status: 'complete',
    answers: { name: '周晓雯', age: 11, gps: { lat: 27.3, lon: 110.7 }, member: [{ m_name: 'x' }] },
  };
  const report = engine.validate(response, 'zh');
  const first: Problem | undefined = report.problems[0];
  const rows: number[] = first?.rows ?? [];
  const relevant: boolean | undefined = engine.evaluate(JSON.stringify(response)).relevant['name'];
  const valid: boolean = report.valid;
  // @ts-expect-error: no such code
  const misspelt = first?.code === 'requird';
  const required = first?.code === 'required';
  // @ts-expect-error: a problem has no `kind`
  report.problems[0].kind;
  // @ts-expect-error: the language is zh, en or zh/en
  engine.validate(response, 'fr');
  // @ts-expect-error: a response names its questionnaire
  engine.validate({ instance_id: 'x' }, 'en');
  // @ts-expect-error: the status is draft or complete
  const wrongStatus: SurveyResponse = { ...response, status: 'done' };
  // @ts-expect-error: a message is text
  const wrongMessage: number = report.problems[0].message;
  // @ts-expect-error: relevance is true or false
  const wrongRelevance: string = engine.evaluate(response).relevant['name'];
  // @ts-expect-error: the constructor takes the questionnaire's JSON text
  new Engine({ id: 'q' });
  engine.free();
  return [String(misspelt), String(required), String(valid), String(relevant), rows.join(','), wrongStatus.status ?? '', String(wrongMessage), wrongRelevance];
}

// The XLSForm entry: an engine from a workbook's bytes, findings typed with their cell,
// and an engine that is the default entry's `Engine` in all it shares.
import initXlsform, { Engine as XlsformEngine, type XlsformFinding, type ValidationReport } from 'tianye-core/xlsform';

export async function fromWorkbook(bytes: Uint8Array, response: SurveyResponse): Promise<string[]> {
  await initXlsform();
  let engine: XlsformEngine;
  try {
    engine = XlsformEngine.fromXlsform(bytes);
  } catch (thrown) {
    const findings = thrown as XlsformFinding[];
    const row: number | null = findings[0]?.row ?? null;
    // @ts-expect-error: a column is a letter
    const wrongColumn: number | null = findings[0].column;
    // @ts-expect-error: no such code
    const misspelt = findings[0].code === 'xlsform.missing_shet';
    return findings.map((f) => `${f.cell} ${f.code} ${row} ${f.span?.start ?? ''} ${wrongColumn} ${misspelt}`);
  }
  const same: Engine = engine;
  const report: ValidationReport = same.validate(response, 'zh');
  const warnings: XlsformFinding[] = engine.importWarnings();
  XlsformEngine.fromXlsform(bytes, 'ods');
  // @ts-expect-error: no such format
  XlsformEngine.fromXlsform(bytes, 'docx');
  // @ts-expect-error: the workbook's bytes, not its name
  XlsformEngine.fromXlsform('form.xlsx');
  // @ts-expect-error: the default entry has no XLSForm reader
  Engine.fromXlsform(bytes);
  return [String(report.valid), ...warnings.map((w) => `${w.sheet}!${w.column ?? ''}${w.row ?? ''}`)];
}
