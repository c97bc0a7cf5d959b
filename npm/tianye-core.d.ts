// Types of tianye-core's JavaScript API (core/src/wasm.rs). Hand-written: they must
// stay true to what wasm.rs serialises; `cargo xtask test` checks them with tsc --strict
// (npm/test/check.ts) and the Node case run checks the values.

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A location answer. */
export interface GeoPoint {
  lat: number;
  lon: number;
  altitude?: number | null;
  accuracy?: number | null;
}

/** One answer: text, a number, a choice (`"yes"`), a multiple choice (`["a", "b"]`), a
 *  date or time as ISO text, a location, or the rows of a repeat. */
export type AnswerValue = null | boolean | number | string | string[] | GeoPoint | Answers[];

/** Answers by item name; a repeat holds one `Answers` per row. */
export interface Answers {
  [name: string]: AnswerValue;
}

/** A response to a questionnaire (the same JSON the server takes). */
export interface SurveyResponse {
  /** A UUID naming this response. */
  instance_id: string;
  /** The questionnaire version answered. */
  questionnaire: { id: string; version: string };
  /** `draft` (missing required answers are no problem yet) or `complete`. Default `draft`. */
  status?: 'draft' | 'complete';
  answers?: Answers;
  /** Who and when; `submitted_at`, else `updated_at`, is the time `today()` is judged at. */
  meta?: {
    started_at?: string;
    updated_at?: string;
    submitted_at?: string;
    enumerator?: string;
    device_id?: string;
  };
}

/** The code of a problem with a response (core/src/code.rs, "Findings about a response";
 *  core/tests/npm_types.rs keeps this list whole). */
export type ProblemCode =
  | 'required'
  | 'constraint'
  | 'type'
  | 'range'
  | 'length'
  | 'pattern'
  | 'choice'
  | 'count'
  | 'exclusive'
  | 'unknown_field'
  | 'phone'
  | 'id_number'
  | 'email'
  | 'geopoint'
  | 'rank'
  | 'questionnaire_mismatch'
  | 'instance_id'
  | 'meta.timestamp'
  | 'meta.too_long'
  | 'meta.control_char'
  | 'attachment.format'
  | 'attachment.too_large'
  | 'attachment.media_type'
  | 'attachment.duplicate_name'
  | 'attachment.too_many';

/** The code of a finding about a questionnaire, or about JSON text that is no
 *  questionnaire or response (core/src/code.rs: JSON, definition and expression errors). */
export type DiagnosticCode =
  | 'json.syntax'
  | 'json.format'
  | 'json.duplicate_key'
  | 'json.too_deep'
  | 'json.too_large'
  | 'schema.invalid_name'
  | 'schema.duplicate_name'
  | 'schema.property_not_applicable'
  | 'schema.missing_property'
  | 'schema.unknown_choice_list'
  | 'schema.empty_choice_list'
  | 'schema.duplicate_choice'
  | 'schema.invalid_bound'
  | 'schema.invalid_pattern'
  | 'schema.invalid_value'
  | 'schema.language'
  | 'schema.encryption_key'
  | 'expr.unexpected_char'
  | 'expr.unterminated_string'
  | 'expr.bad_reference'
  | 'expr.unexpected_token'
  | 'expr.unexpected_end'
  | 'expr.unsupported'
  | 'expr.unknown_ref'
  | 'expr.unknown_function'
  | 'expr.arity'
  | 'expr.type'
  | 'expr.unknown_choice'
  | 'expr.repeat_outside'
  | 'expr.cycle'
  | 'expr.no_context'
  | 'expr.bare_name'
  | 'expr.unknown_child';

/** The language of `Problem.message`: Chinese, English, or both (`中文 / English`). */
export type Lang = 'zh' | 'en' | 'zh/en';

/** One problem with a response. */
export interface Problem {
  /** Stable code: `required`, `constraint`, `type`, `range`, `choice`, `count`, … */
  code: ProblemCode;
  /** Where, for people (`member[2].m_dob`); empty for the response as a whole. */
  path: string;
  /** Where, as data: the item's name (absent for the response as a whole) … */
  field?: string;
  /** … and one 0-based row index per repeat around it, outermost first (absent when none). */
  rows?: number[];
  /** Values filling the message (absent when none). */
  params?: { [name: string]: JsonValue };
  /** The message in the language asked for. */
  message: string;
  message_zh: string;
  message_en: string;
}

/** What `Engine.validate` finds. */
export interface ValidationReport {
  /** No problems. */
  valid: boolean;
  problems: Problem[];
  /** Paths of answers dropped because their item is not relevant. */
  cleared: string[];
  /** Every calculated value, by path. */
  values: { [path: string]: JsonValue };
  /** The answers as validated (irrelevant ones cleared). */
  answers: Answers;
}

/** What `Engine.evaluate` finds. */
export interface Evaluation {
  /** Whether each item is relevant, by path. */
  relevant: { [path: string]: boolean };
  /** Each calculated value, by path (`null` when empty or not relevant). */
  values: { [path: string]: JsonValue };
}

/** A finding about a questionnaire. `new Engine` throws an array of them (errors, and
 *  warnings beside them); `Engine.warnings()` lists the warnings of one that loaded. */
export interface Diagnostic {
  /** Stable code (`expr.unknown_ref`, `json.syntax`, …). */
  code: DiagnosticCode;
  severity: 'error' | 'warning';
  /** The item as group and item names joined by `/` (`household/member/m_age`); for JSON
   *  errors the JSON path (`items[3].type`); empty for the questionnaire itself. */
  item: string;
  /** The item's property (`relevant`, `constraints[1]`), when the finding is in one. */
  property: string | null;
  /** The expression text `span` points into. */
  source: string | null;
  /** The offending part of `source`, as byte offsets `start..end` into its UTF-8 text. */
  span: { start: number; end: number } | null;
  /** 1-based line and column in the JSON text, for JSON errors. */
  line: number | null;
  column: number | null;
  /** Values filling the message. */
  params: { [name: string]: JsonValue };
  message_zh: string;
  message_en: string;
  /** The finding as the CLI prints it, with the expression underlined. */
  rendered: string;
}

/** A compiled questionnaire. */
export declare class Engine {
  /** Loads and checks a questionnaire from its JSON text (see questionnaire.schema.json).
   *  @throws {Diagnostic[]} when the questionnaire has errors. */
  constructor(questionnaire: string);
  /** The questionnaire's warnings. */
  warnings(): Diagnostic[];
  /** Validates a response (an object or its JSON text). `now` (ISO date-time) judges
   *  `today()` when the response records no time.
   *  @throws {Diagnostic[]} when the response is not a response at all (`json.syntax`,
   *  `json.format`); a string when `now` is no date-time. */
  validate(response: SurveyResponse | string, lang: Lang, now?: string): ValidationReport;
  /** Relevance of every item and every calculated value for a response.
   *  @throws as `validate` does. */
  evaluate(response: SurveyResponse | string, now?: string): Evaluation;
  /** Frees the questionnaire's memory now rather than when the object is collected. */
  free(): void;
}

/** The WebAssembly module, or where to fetch it: a URL (text or `URL`), a fetch
 *  `Response` or its promise, its bytes, or a compiled `WebAssembly.Module`. */
export type ModuleSource = string | ArrayBuffer | ArrayBufferView | object;

/** Loads the engine; call once before `new Engine`. Browsers and bundlers fetch
 *  `tianye_core_bg.wasm` beside the script unless told otherwise; in Node the engine is
 *  ready on import and this resolves at once. */
export default function init(options?: { module_or_path?: ModuleSource | PromiseLike<ModuleSource> }): Promise<unknown>;

/** Loads the engine from bytes or a compiled module, synchronously. */
export declare function initSync(options: { module: ArrayBuffer | ArrayBufferView | object }): unknown;
