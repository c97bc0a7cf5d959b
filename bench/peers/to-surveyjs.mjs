// Converts a Tianye questionnaire (form.json) to a SurveyJS 2.5 survey, and a Tianye
// response's answers to SurveyJS data, so the peer benchmark runs SurveyJS on the same
// questionnaire with the same logic: every relevance, requirement, range, length, pattern,
// constraint, calculation, choice filter and roster count becomes its SurveyJS form.
//
//   node to-surveyjs.mjs FORM.json [CASE.json]   prints the survey (or, with a case, the data)
//
// What maps to what: a top-level item is a page (as in Tianye's app); a group inside is a
// panel; a repeat is a dynamic panel (its count bound to the `repeat_count` question); a
// calculation is a calculated value (an invisible expression question inside a repeat);
// a matrix is a matrix (its rows' answers, flat in Tianye, become one object); a geopoint
// is a multiple-text of lat, lon and accuracy; a note is an html question. Labels are in
// the questionnaire's default language. An expression the translator cannot read throws,
// naming the item: a silently dropped rule would make SurveyJS's work look smaller.

import { readFileSync } from 'node:fs';

// ---- expressions: Tianye's XPath-like language → SurveyJS expressions ----

function tokenize(src) {
  const tokens = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '$' && src[i + 1] === '{') {
      const end = src.indexOf('}', i);
      tokens.push({ t: 'ref', v: src.slice(i + 2, end) });
      i = end + 1;
    } else if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      tokens.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^[0-9]*\.?[0-9]+/.exec(src.slice(i));
      tokens.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
      // `a-b` inside a name only for known hyphenated functions (count-selected).
      let word = m[0];
      if (word.includes('-') && src[i + word.length] !== '(') word = word.split('-')[0];
      tokens.push({ t: 'id', v: word });
      i += word.length;
    } else {
      const two = src.slice(i, i + 2);
      if (['!=', '<=', '>='].includes(two)) { tokens.push({ t: 'op', v: two }); i += 2; }
      else if ('=<>+-*/()[],.'.includes(c)) { tokens.push({ t: 'op', v: c }); i++; }
      else throw new Error(`unexpected '${c}' in ${src}`);
    }
  }
  return tokens;
}

function parse(src) {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v) => peek() && (peek().t === 'op' || peek().t === 'id') && peek().v === v;
  const take = (v) => { if (!isOp(v)) throw new Error(`expected ${v} in ${src}`); p++; };
  const binary = (next, ops) => () => {
    let left = next();
    while (peek() && ops.includes(peek().v) && (peek().t === 'op' || peek().t === 'id')) {
      const op = toks[p++].v;
      left = { k: 'bin', op, left, right: next() };
    }
    return left;
  };
  const primary = () => {
    const tok = toks[p++];
    if (!tok) throw new Error(`unexpected end of ${src}`);
    let node;
    if (tok.t === 'ref') node = { k: 'ref', name: tok.v };
    else if (tok.t === 'str') node = { k: 'str', v: tok.v };
    else if (tok.t === 'num') node = { k: 'num', v: tok.v };
    else if (tok.t === 'op' && tok.v === '.') node = { k: 'self' };
    else if (tok.t === 'op' && tok.v === '(') { node = or(); take(')'); node = { k: 'paren', e: node }; }
    else if (tok.t === 'op' && tok.v === '-') node = { k: 'neg', e: primary() };
    else if (tok.t === 'id' && isOp('(')) {
      p++;
      const args = [];
      if (!isOp(')')) { do { args.push(or()); } while (isOp(',') && ++p); }
      take(')');
      node = { k: 'call', f: tok.v, args };
    } else if (tok.t === 'id') node = { k: 'attr', name: tok.v };
    else throw new Error(`unexpected '${tok.v}' in ${src}`);
    while (isOp('[')) { p++; const pred = or(); take(']'); node = { k: 'filter', e: node, pred }; }
    // A step after a predicate, `${rows}[…]/field`: that field of the matching rows.
    if (node.k === 'filter' && isOp('/')) { p++; node = { k: 'step', e: node, name: toks[p++].v }; }
    return node;
  };
  const mul = binary(primary, ['*', 'div', 'mod']);
  const add = binary(mul, ['+', '-']);
  const cmp = binary(add, ['=', '!=', '<', '<=', '>', '>=']);
  const and = binary(cmp, ['and']);
  const or = binary(and, ['or']);
  const e = or();
  if (p !== toks.length) throw new Error(`trailing '${toks[p].v}' in ${src}`);
  return e;
}

/** Prints `src` as a SurveyJS expression. `ctx`: `self` (the item's name), `repeat`
 * (the repeat the item is in), `row` (inside a repeat's aggregate: fields by bare name),
 * `choice` (inside a choice filter: bare names are that choice's attributes). */
function translate(src, ctx, info) {
  const ref = (name) => {
    const f = info.fields.get(name);
    if (!f) throw new Error(`unknown field ${name}`);
    if (ctx.row && f.repeat) return `{${name}}`;
    if (f.matrix) return `{${f.matrix}.${name}}`;
    if (f.repeat && f.repeat === ctx.repeat) return `{panel.${name}}`;
    return `{${name}}`;
  };
  const isEmptyStr = (n) => n.k === 'str' && n.v === '';
  const pr = (n) => {
    switch (n.k) {
      case 'ref': return ref(n.name);
      case 'self': return ref(ctx.self);
      case 'str': return `'${n.v.replace(/'/g, "\\'")}'`;
      case 'num': return n.v;
      case 'paren': return `(${pr(n.e)})`;
      case 'neg': return `-${pr(n.e)}`;
      case 'attr': {
        if (!ctx.choice) throw new Error(`bare name ${n.name} outside a choice filter`);
        const v = n.name === 'name' ? ctx.choice.name : ctx.choice.attributes?.[n.name];
        return `'${v ?? ''}'`;
      }
      case 'bin': {
        if ((n.op === '=' || n.op === '!=') && (isEmptyStr(n.right) || isEmptyStr(n.left))) {
          const side = isEmptyStr(n.right) ? n.left : n.right;
          return `${pr(side)} ${n.op === '=' ? 'empty' : 'notempty'}`;
        }
        if (n.op === '-' && n.left.k === 'call' && n.left.f === 'today') {
          return `diffDays(${pr(n.right)}, today())`;
        }
        const op = { div: '/', mod: '%', and: 'and', or: 'or' }[n.op] ?? n.op;
        return `${pr(n.left)} ${op} ${pr(n.right)}`;
      }
      case 'filter': throw new Error(`a filter outside count() in ${src}`);
      case 'call': return call(n);
      default: throw new Error(`cannot print ${n.k}`);
    }
  };
  const repeatOf = (n) => {
    const f = n.k === 'ref' && info.fields.get(n.name);
    return f && (f.kind === 'repeat' ? n.name : f.repeat);
  };
  const call = (n) => {
    const a = n.args;
    switch (n.f) {
      case 'if': return `iif(${a.map(pr).join(', ')})`;
      case 'not': return `!(${pr(a[0])})`;
      case 'int': return `trunc(${pr(a[0])})`;
      case 'today': return 'today()';
      case 'coalesce': return `iif(${pr(a[0])} notempty, ${pr(a[0])}, ${pr(a[1])})`;
      case 'count-selected': return `${pr(a[0]).slice(0, -1)}.length}`;
      case 'count': {
        const arg = a[0];
        if (arg.k === 'filter') {
          const repeat = repeatOf(arg.e);
          const inner = { ...ctx, row: true };
          // A bare name in the predicate is the candidate row's field (XPath's context node).
          const rowPred = rowRefs(arg.pred);
          const pred = translate(printBack(rowPred), inner, info);
          const counted = firstRef(rowPred) ?? info.repeats.get(repeat)[0];
          return `countInArray({${repeat}}, '${counted}', ${pred})`;
        }
        return `${pr(arg).slice(0, -1)}.length}`;
      }
      case 'sum': {
        if (a[0].k === 'step') {
          const repeat = repeatOf(a[0].e.e);
          const pred = translate(printBack(rowRefs(a[0].e.pred)), { ...ctx, row: true }, info);
          return `sumInArray({${repeat}}, '${a[0].name}', ${pred})`;
        }
        const repeat = repeatOf(a[0]);
        if (!repeat) throw new Error(`sum() of a field outside a repeat in ${src}`);
        return `sumInArray({${repeat}}, '${a[0].name}')`;
      }
      default: throw new Error(`no SurveyJS form for ${n.f}() in ${src}`);
    }
  };
  return pr(parse(src));
}

// The predicate of a filter is re-translated with the row context; keep its source.
function printBack(n) {
  switch (n.k) {
    case 'ref': return `\${${n.name}}`;
    case 'self': return '.';
    case 'str': return `'${n.v}'`;
    case 'num': return n.v;
    case 'paren': return `(${printBack(n.e)})`;
    case 'neg': return `-${printBack(n.e)}`;
    case 'attr': return n.name;
    case 'bin': return `${printBack(n.left)} ${n.op} ${printBack(n.right)}`;
    case 'call': return `${n.f}(${n.args.map(printBack).join(', ')})`;
    case 'filter': return `${printBack(n.e)}[${printBack(n.pred)}]`;
    case 'step': return `${printBack(n.e)}/${n.name}`;
    default: throw new Error(`cannot print ${n.k}`);
  }
}

function rowRefs(n) {
  if (n.k === 'attr') return { k: 'ref', name: n.name };
  const out = { ...n };
  for (const k of ['e', 'left', 'right', 'pred']) if (n[k]) out[k] = rowRefs(n[k]);
  if (n.args) out.args = n.args.map(rowRefs);
  return out;
}

function firstRef(n) {
  if (n.k === 'ref') return n.name;
  for (const k of ['e', 'left', 'right', 'pred']) if (n[k]) { const r = firstRef(n[k]); if (r) return r; }
  for (const a of n.args ?? []) { const r = firstRef(a); if (r) return r; }
  return null;
}

// ---- the questionnaire ----

/** Every field's place: the repeat it is in, the matrix it is a row of, its kind. */
function index(form) {
  const fields = new Map();
  const repeats = new Map();
  const walk = (items, repeat) => {
    for (const it of items) {
      if (it.type === 'matrix') {
        fields.set(it.name, { kind: 'matrix', repeat });
        for (const r of it.rows) fields.set(r.name, { kind: 'row', matrix: it.name, repeat });
        continue;
      }
      fields.set(it.name, { kind: it.type, repeat });
      if (it.type === 'repeat') {
        repeats.set(it.name, it.items.map((c) => c.name));
        walk(it.items, it.name);
      } else if (it.items) walk(it.items, repeat);
    }
  };
  walk(form.items, null);
  return { fields, repeats };
}

export function convertForm(form) {
  const info = index(form);
  const lang = form.default_language ?? form.languages?.[0] ?? 'zh';
  const text = (t) => (t == null ? undefined : typeof t === 'string' ? t : t[lang] ?? Object.values(t)[0]);
  const lists = form.choice_lists ?? {};
  const calculated = [];
  // A label or note with ${x} shows x's value: SurveyJS's {x}.
  const interpolate = (t, ctx) =>
    t && t.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, n) => translate(`\${${n}}`, ctx, info));

  const dateBound = (v, ctx) => {
    if (v === 'today') return { expr: 'today()' };
    const m = /^today-(\d+)y$/.exec(v);
    if (m) return { expr: `dateAdd(today(), -${m[1]}, 'years')` };
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return { value: v };
    return { expr: translate(v, ctx, info) };
  };

  const choicesOf = (it, ctx) => {
    const list = Array.isArray(it.choices) ? it.choices : lists[it.choices];
    if (!list) throw new Error(`${it.name}: no choice list ${it.choices}`);
    return list.map((c) => {
      const choice = { value: c.name, text: text(c.label) ?? c.name };
      if (it.choice_filter) {
        try {
          choice.visibleIf = translate(it.choice_filter, { ...ctx, choice: c }, info);
        } catch (e) {
          throw new Error(`${it.name}: choice_filter: ${e.message}`);
        }
      }
      return choice;
    });
  };

  const question = (it, ctx) => {
    const q = { name: it.name, title: interpolate(text(it.label), ctx) ?? it.name };
    if (it.hint) q.description = text(it.hint);
    if (it.relevant) q.visibleIf = translate(it.relevant, ctx, info);
    if (it.required) q.isRequired = true;
    const validators = [];
    switch (it.type) {
      case 'text':
      case 'phone':
        q.type = it.appearance === 'multiline' ? 'comment' : 'text';
        if (it.type === 'phone') {
          q.inputType = 'tel';
          validators.push({ type: 'regex', regex: '^1[3-9][0-9]{9}$', text: '手机号码应为 11 位' });
        }
        if (it.min_length != null || it.max_length != null) {
          validators.push({ type: 'text', minLength: it.min_length ?? 0, maxLength: it.max_length ?? 0 });
        }
        if (it.pattern) validators.push({ type: 'regex', regex: `^(?:${it.pattern})$` });
        break;
      case 'integer':
      case 'decimal':
        q.type = 'text';
        q.inputType = 'number';
        if (it.min != null) q.min = it.min;
        if (it.max != null) q.max = it.max;
        validators.push({ type: 'numeric', minValue: it.min, maxValue: it.max });
        if (it.type === 'integer') validators.push({ type: 'regex', regex: '^-?[0-9]+$' });
        break;
      case 'date': {
        q.type = 'text';
        q.inputType = 'date';
        for (const [k, v] of [['min', it.min], ['max', it.max]]) {
          if (v == null) continue;
          const b = dateBound(v, ctx);
          if (b.expr) q[`${k}ValueExpression`] = b.expr;
          else q[k] = b.value;
        }
        break;
      }
      case 'select_one':
        q.type = it.appearance === 'minimal' ? 'dropdown' : 'radiogroup';
        q.choices = choicesOf(it, ctx);
        break;
      case 'select_multiple':
        q.type = it.appearance === 'minimal' ? 'tagbox' : 'checkbox';
        q.choices = choicesOf(it, ctx);
        if (it.max_selected != null) q.maxSelectedChoices = it.max_selected;
        if (it.min_selected != null) q.minSelectedChoices = it.min_selected;
        break;
      case 'matrix':
        q.type = 'matrix';
        q.rows = it.rows.map((r) => ({ value: r.name, text: text(r.label) }));
        q.columns = choicesOf(it, ctx).map(({ value, text: t }) => ({ value, text: t }));
        if (it.required) q.eachRowRequired = true;
        break;
      case 'geopoint':
        q.type = 'multipletext';
        q.items = [
          { name: 'lat', inputType: 'number', validators: [{ type: 'numeric', minValue: -90, maxValue: 90 }] },
          { name: 'lon', inputType: 'number', validators: [{ type: 'numeric', minValue: -180, maxValue: 180 }] },
          {
            name: 'accuracy', inputType: 'number',
            validators: [{ type: 'numeric', minValue: 0, maxValue: it.max_accuracy }],
          },
        ];
        break;
      case 'note':
        q.type = 'html';
        q.html = q.title;
        delete q.title;
        break;
      case 'meta':
        // SurveyJS has no device metadata: a hidden question the host fills, as ODK
        // Collect fills `username`.
        q.type = 'text';
        q.visible = false;
        delete q.title;
        break;
      default:
        throw new Error(`${it.name}: no SurveyJS question for type ${it.type}`);
    }
    if (it.default === 'today()') q.defaultValueExpression = 'today()';
    else if (typeof it.default === 'string' && it.default.includes('${')) {
      q.defaultValueExpression = translate(it.default, ctx, info);
    } else if (it.default != null) q.defaultValue = it.default;
    for (const c of it.constraints ?? []) {
      validators.push({
        type: 'expression',
        expression: translate(c.expr, { ...ctx, self: it.name }, info),
        text: interpolate(text(c.message), ctx),
      });
    }
    if (validators.length) q.validators = validators;
    return q;
  };

  const elements = (items, ctx) => {
    const out = [];
    for (const it of items) {
      try {
        out.push(...element(it, ctx));
      } catch (e) {
        throw new Error(e.message.startsWith(`${it.name}:`) ? e.message : `${it.name}: ${e.message}`);
      }
    }
    return out;
  };

  const element = (it, ctx) => {
    if (it.type === 'calculate') {
      const expression = translate(it.calculation, ctx, info);
      if (!ctx.repeat) {
        calculated.push({ name: it.name, expression, includeIntoResult: true });
        return [];
      }
      return [{ type: 'expression', name: it.name, expression, visible: false }];
    }
    if (it.type === 'group') {
      const panel = { type: 'panel', name: it.name, title: text(it.label), elements: elements(it.items, ctx) };
      if (it.relevant) panel.visibleIf = translate(it.relevant, ctx, info);
      return [panel];
    }
    if (it.type === 'repeat') {
      const inner = { ...ctx, repeat: it.name };
      const dyn = {
        type: 'paneldynamic',
        name: it.name,
        title: text(it.label),
        templateElements: elements(it.items, inner),
      };
      if (it.row_label) dyn.templateTitle = interpolate(text(it.row_label), inner);
      if (it.relevant) dyn.visibleIf = translate(it.relevant, ctx, info);
      if (it.repeat_count) {
        const m = /^\$\{([A-Za-z0-9_]+)\}$/.exec(it.repeat_count.trim());
        if (!m) throw new Error(`repeat_count ${it.repeat_count} is not one question`);
        dyn.bindings = { panelCount: m[1] };
        dyn.allowAddPanel = false;
        dyn.allowRemovePanel = false;
      }
      if (it.min_count != null) dyn.minPanelCount = it.min_count;
      if (it.max_count != null) dyn.maxPanelCount = it.max_count;
      return [dyn];
    }
    return [question(it, ctx)];
  };

  // A top-level item is a page: a group's items go onto it, anything else alone.
  const pages = form.items.map((it) => {
    const ctx = { repeat: null };
    if (it.type === 'group') {
      const page = { name: it.name, title: text(it.label), elements: elements(it.items, ctx) };
      if (it.relevant) page.visibleIf = translate(it.relevant, ctx, info);
      return page;
    }
    return { name: `p_${it.name}`, elements: element(it, ctx) };
  }).filter((p) => p.elements.length);
  return {
    title: text(form.title),
    checkErrorsMode: 'onValueChanged',
    pages,
    calculatedValues: calculated,
  };
}

/** A Tianye response's answers as SurveyJS data: matrix rows under their matrix. */
export function convertAnswers(form, answers) {
  const { fields } = index(form);
  const data = {};
  const put = (target, key, value) => {
    const f = fields.get(key);
    if (f?.matrix) (target[f.matrix] ??= {})[key] = value;
    else target[key] = value;
  };
  for (const [k, v] of Object.entries(answers)) {
    if (fields.get(k)?.kind === 'repeat' && Array.isArray(v)) {
      data[k] = v.map((row) => {
        const r = {};
        for (const [rk, rv] of Object.entries(row)) put(r, rk, rv);
        return r;
      });
    } else put(data, k, v);
  }
  return data;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const form = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  if (process.argv[3]) {
    const c = JSON.parse(readFileSync(process.argv[3], 'utf8'));
    console.log(JSON.stringify(convertAnswers(form, c.response.answers), null, 1));
  } else {
    console.log(JSON.stringify(convertForm(form), null, 1));
  }
}
