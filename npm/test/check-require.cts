// Compiled by `cargo xtask test` with `tsc --noEmit --strict` as CommonJS: `require`
// resolves to the package's CommonJS types (index.d.cts), as precise as the ESM ones.
import tianye = require('tianye-core');

export function problemsOf(questionnaire: string, response: tianye.SurveyResponse): tianye.ProblemCode[] {
  const engine = new tianye.Engine(questionnaire);
  // @ts-expect-error: the language is zh, en or zh/en
  engine.validate(response, 'de');
  return engine.validate(response, 'en').problems.map((p) => p.code);
}

import xlsform = require('tianye-core/xlsform');

export function warningsOf(workbook: Uint8Array): xlsform.XlsformFinding[] {
  // @ts-expect-error: the format is xlsx, xls, ods, csv or markdown
  xlsform.Engine.fromXlsform(workbook, 'pdf');
  return xlsform.Engine.fromXlsform(workbook, 'xlsx').importWarnings();
}
