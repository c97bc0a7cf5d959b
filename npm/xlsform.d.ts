// Types of tianye-core's XLSForm entry, `tianye-core/xlsform` (core/src/wasm/xlsform.rs):
// the same API as the default entry, from a second, larger module that also reads XLSForm
// workbooks. Hand-written like index.d.ts; `cargo xtask npm` writes it as xlsform.d.ts
// (beside index.d.ts) and as xlsform.d.cts (its import then names ./index.cjs).
import type { Diagnostic, DiagnosticCode, Evaluation, JsonValue, Lang, ModuleSource, SurveyResponse, ValidationReport } from './index.js';

export type * from './index.js';

/** The code of a finding about an XLSForm workbook that the JSON path has no need of
 *  (core/src/code.rs: XLSForm and choice-file findings; core/tests/npm_types.rs keeps
 *  this list whole). */
export type XlsformCode =
  | 'xlsform.unreadable'
  | 'xlsform.missing_sheet'
  | 'xlsform.missing_column'
  | 'xlsform.duplicate_column'
  | 'xlsform.missing_type'
  | 'xlsform.missing_name'
  | 'xlsform.duplicate_name'
  | 'xlsform.unclosed_group'
  | 'xlsform.unmatched_end'
  | 'xlsform.unknown_choice_list'
  | 'xlsform.unsupported_type'
  | 'xlsform.unsupported_column'
  | 'xlsform.unsupported_function'
  | 'xlsform.unsupported_sheet'
  | 'xlsform.unsupported_setting'
  | 'xlsform.unsupported_appearance'
  | 'xlsform.unsupported_parameter'
  | 'xlsform.invalid_value'
  | 'xlsform.skipped_row'
  | 'xlsform.missing_calculation'
  | 'choice_file.not_loaded'
  | 'choice_file.missing'
  | 'choice_file.invalid_file_name'
  | 'choice_file.unreadable'
  | 'choice_file.too_large'
  | 'choice_file.missing_column'
  | 'choice_file.invalid_name'
  | 'choice_file.duplicate_name';

/** A workbook's format: Excel (`xlsx`, `xls`), OpenDocument (`ods`), or pyxform's CSV or
 *  markdown text (UTF-8). */
export type XlsformFormat = 'xlsx' | 'xls' | 'ods' | 'csv' | 'markdown';

/** A finding about an XLSForm workbook, at its sheet, row and cell. */
export interface XlsformFinding {
  /** Stable code: an XLSForm one, or the code the JSON path gives for the same fault. */
  code: XlsformCode | DiagnosticCode;
  severity: 'error' | 'warning';
  /** The sheet (`survey`, `choices`, `settings`); empty for the workbook as a whole. */
  sheet: string;
  /** The row, as the spreadsheet numbers it. */
  row: number | null;
  /** The column letter (`F`). */
  column: string | null;
  /** `survey!F12`, `survey!12`, `survey`, or empty. */
  cell: string;
  /** The item as group and item names joined by `/`, when the finding is about one. */
  item: string | null;
  /** The item's property (`relevant`, `constraints[0]`). */
  property: string | null;
  /** The expression text `span` points into. */
  source: string | null;
  /** The offending part of `source`, as byte offsets into its UTF-8 text. */
  span: { start: number; end: number } | null;
  /** Values filling the message. */
  params: { [name: string]: JsonValue };
  message_zh: string;
  message_en: string;
  /** The finding as the CLI prints it, with the cell and the expression underlined. */
  rendered: string;
}

/** A compiled questionnaire: the default entry's `Engine`, which can also be made from an
 *  XLSForm workbook. */
export declare class Engine {
  /** Loads and checks a questionnaire from its JSON text.
   *  @throws {Diagnostic[]} when the questionnaire has errors. */
  constructor(questionnaire: string);
  /** Loads and checks a questionnaire from the bytes of an XLSForm workbook (at most
   *  16 MiB); without `format` the bytes tell (zip: xlsx or ods, OLE: xls, text: CSV, or
   *  markdown when it starts with `|` or `#`). Files named by `select_one_from_file`
   *  cannot be read here: such lists must be in the workbook.
   *  @throws {XlsformFinding[]} every error, each at its cell, and the import's warnings. */
  static fromXlsform(bytes: Uint8Array, format?: XlsformFormat): Engine;
  /** The XLSForm import's warnings (what was left out or changed); empty from JSON. */
  importWarnings(): XlsformFinding[];
  /** The questionnaire's warnings. */
  warnings(): Diagnostic[];
  /** As the default entry's `validate`. */
  validate(response: SurveyResponse | string, lang: Lang, now?: string): ValidationReport;
  /** As the default entry's `evaluate`. */
  evaluate(response: SurveyResponse | string, now?: string): Evaluation;
  /** Frees the questionnaire's memory now rather than when the object is collected. */
  free(): void;
}

/** Loads the XLSForm module; call once before using `Engine`. Browsers and bundlers fetch
 *  `tianye_core_xlsform_bg.wasm` beside the script unless told otherwise; in Node the
 *  engine is ready on import and this resolves at once. */
export default function init(options?: { module_or_path?: ModuleSource | PromiseLike<ModuleSource> }): Promise<unknown>;

/** Loads the XLSForm module from bytes or a compiled module, synchronously. */
export declare function initSync(options: { module: ArrayBuffer | ArrayBufferView | object }): unknown;
