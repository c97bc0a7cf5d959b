//! Between response JSON and the engine's rows: reading answers (keeping badly typed
//! ones as given) and writing values back.

use serde_json::{Map, Value as Json};

use super::{Cell, Instance, Reading, Row, Stored};
use crate::expr::{Date, DateTime, Time, num_to_json};
use crate::form::{FieldId, Form, ScopeId};
use crate::response::shorten;
use crate::schema::{ItemType, MAX_ROWS_IN_RESPONSE};
use crate::validate::{Problem, RowPath};
use crate::{Answers, Code};

/// Reads `answers` into an instance. Names the questionnaire does not have, or that
/// take no answer in that place, are reported as `unknown_field`; answers of the wrong
/// type are kept as bad cells (whether they are problems depends on relevance).
///
/// With [`Reading::Bounded`], rows past a repeat instance's
/// [`crate::form::Rules::rows_read`] are not read (the instance is listed in
/// `overflow`, and validation reports one `count` problem for it), nor rows past
/// [`MAX_ROWS_IN_RESPONSE`] in all (one `count` problem for the response, here).
pub(crate) fn from_answers(
    form: &Form,
    answers: &Answers,
    reading: Reading,
    problems: &mut dyn FnMut(Problem),
) -> Instance {
    let mut reader = Reader {
        form,
        bounded: reading == Reading::Bounded,
        left: MAX_ROWS_IN_RESPONSE as usize,
        cut: false,
        overflow: Vec::new(),
        problems,
    };
    let mut path = RowPath::root();
    let root = reader.row(ScopeId::ROOT, answers, &mut path);
    if reader.cut {
        let count = count_rows(form, ScopeId::ROOT, answers);
        (reader.problems)(
            Problem::new(Code::Count, "")
                .with("of", "rows")
                .with("max", MAX_ROWS_IN_RESPONSE)
                .with("count", count),
        );
    }
    Instance { root, overflow: reader.overflow }
}

struct Reader<'a> {
    form: &'a Form,
    bounded: bool,
    /// Rows that may still be read in the whole response.
    left: usize,
    /// Whether rows were left unread because the response had too many in all.
    cut: bool,
    overflow: Vec<(FieldId, Vec<u32>, usize)>,
    problems: &'a mut dyn FnMut(Problem),
}

impl Reader<'_> {
    fn row(&mut self, scope: ScopeId, answers: &Map<String, Json>, path: &mut RowPath) -> Row {
        let form = self.form;
        let mut row = Row::new(form, scope);
        for (key, value) in answers {
            let field = form.lookup(key).filter(|&id| {
                let f = form.field(id);
                f.scope == scope
                    && !matches!(f.kind, ItemType::Group | ItemType::Note | ItemType::Matrix)
            });
            let Some(id) = field else {
                let key = shorten(key, 100);
                (self.problems)(
                    Problem::new(Code::UnknownField, path.display(form, &key)).with("name", key),
                );
                continue;
            };
            let f = form.field(id);
            if let Some(row_scope) = f.row_scope {
                row.cells[f.slot] = match value {
                    Json::Array(items) => Cell::Rows(self.rows(id, row_scope, items, path)),
                    Json::Null => Cell::Rows(Vec::new()),
                    other => self.bad(other),
                };
            } else if !form.is_computed(id) {
                row.cells[f.slot] = match read_stored(form, id, value) {
                    Ok(Some(stored)) => Cell::Val(stored),
                    Ok(None) => Cell::Empty,
                    Err(()) => self.bad(value),
                };
            }
        }
        row
    }

    /// A wrong answer, kept as given; when read [`Reading::Bounded`] and made of more
    /// than [`BAD_VALUES_KEPT`] values, kept as the start of its JSON text instead (it
    /// is a `type` problem or cleared either way, and a copy of a flood of values is
    /// what a bounded reading must not make).
    fn bad(&self, value: &Json) -> Cell {
        if self.bounded && !fewer_values_than(value, BAD_VALUES_KEPT) {
            Cell::Bad(Json::String(crate::response::preview(value, 100)))
        } else {
            Cell::Bad(value.clone())
        }
    }

    /// The rows of the repeat `id` read from `items`, as many as may be read.
    fn rows(
        &mut self,
        id: FieldId,
        row_scope: ScopeId,
        items: &[Json],
        path: &mut RowPath,
    ) -> Vec<Row> {
        let mut take = items.len();
        if self.bounded {
            let own = self.form.field(id).rules.rows_read() as usize;
            if items.len() > own {
                self.overflow.push((id, path.indices(), items.len()));
            }
            take = take.min(own);
            if take > self.left {
                self.cut = true;
                take = self.left;
            }
            self.left -= take;
        }
        let mut rows = Vec::with_capacity(take);
        for (i, item) in items[..take].iter().enumerate() {
            path.push(id, i as u32);
            match item {
                Json::Object(map) => rows.push(self.row(row_scope, map, path)),
                other => {
                    (self.problems)(
                        Problem::new(Code::Type, path.display(self.form, ""))
                            .with("expected", "row")
                            .with("value", crate::response::preview(other, 100)),
                    );
                    rows.push(Row::new(self.form, row_scope));
                }
            }
            path.pop();
        }
        rows
    }
}

/// The most values (counting every array, object and scalar inside) a wrong answer
/// may have to be kept whole by a bounded reading.
const BAD_VALUES_KEPT: usize = 1000;

/// Whether `value` is made of fewer than `limit` values (looking at no more than that).
fn fewer_values_than(value: &Json, limit: usize) -> bool {
    fn count(value: &Json, left: &mut usize) -> bool {
        if *left == 0 {
            return false;
        }
        *left -= 1;
        match value {
            Json::Array(items) => items.iter().all(|v| count(v, left)),
            Json::Object(map) => map.values().all(|v| count(v, left)),
            _ => true,
        }
    }
    let mut left = limit;
    count(value, &mut left)
}

/// How many rows `answers` gives the repeats of `scope` and every repeat inside them.
fn count_rows(form: &Form, scope: ScopeId, answers: &Map<String, Json>) -> usize {
    let mut total = 0;
    for (key, value) in answers {
        let Some(f) = form.lookup(key).map(|id| form.field(id)) else { continue };
        let (Some(row_scope), Json::Array(items)) = (f.row_scope, value) else { continue };
        if f.scope != scope {
            continue;
        }
        total += items.len();
        for item in items {
            if let Json::Object(map) = item {
                total += count_rows(form, row_scope, map);
            }
        }
    }
    total
}

/// Converts one JSON answer for `field`.
pub(crate) fn read_value(form: &Form, field: FieldId, value: &Json) -> Cell {
    match read_stored(form, field, value) {
        Ok(Some(stored)) => Cell::Val(stored),
        Ok(None) => Cell::Empty,
        Err(()) => Cell::Bad(value.clone()),
    }
}

/// One JSON answer for `field` as stored: `None` when empty, `Err` when of the wrong
/// type or format.
fn read_stored(form: &Form, field: FieldId, value: &Json) -> Result<Option<Stored>, ()> {
    use ItemType as T;
    let kind = form.field(field).kind;
    let bad = || Err(());
    let stored = match (kind, value) {
        (_, Json::Null) => return Ok(None),
        (T::SelectMultiple | T::Rank, Json::Array(items)) if items.is_empty() => {
            return Ok(None);
        }
        (T::SelectMultiple | T::Rank, Json::Array(items)) => {
            let mut names = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str() {
                    Some(s) if !s.is_empty() && !s.contains(char::is_whitespace) => {
                        names.push(s.to_owned());
                    }
                    _ => return bad(),
                }
            }
            let joined = names.join(" ");
            Stored::Choices { items: names, joined }
        }
        (T::Integer, Json::Number(n)) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0 => Stored::Num(x),
            _ => return bad(),
        },
        (T::Decimal | T::Range | T::Rating, Json::Number(n)) => match n.as_f64() {
            Some(x) if x.is_finite() => Stored::Num(x),
            _ => return bad(),
        },
        (T::Hidden, Json::Number(n)) => Stored::Num(n.as_f64().unwrap_or(f64::NAN)),
        (T::Hidden, Json::Bool(b)) => Stored::Bool(*b),
        (T::Acknowledge, Json::Bool(true)) => Stored::Text("OK".to_owned()),
        (T::Acknowledge, Json::Bool(false)) => return Ok(None),
        (_, Json::String(s)) if s.is_empty() => return Ok(None),
        (T::Acknowledge, Json::String(s)) if s == "OK" => Stored::Text("OK".to_owned()),
        (T::Date, Json::String(s)) => match Date::parse(s) {
            Some(d) => Stored::Date(d),
            None => return bad(),
        },
        (T::Time, Json::String(s)) => match Time::parse(s) {
            Some(t) => Stored::Time(t),
            None => return bad(),
        },
        (T::Datetime, Json::String(s)) => match DateTime::parse(s) {
            Some(d) => Stored::DateTime(d),
            None => return bad(),
        },
        (T::Geopoint, Json::Object(map)) => match read_geopoint_object(map) {
            Some(g) => g,
            None => return bad(),
        },
        (T::Image | T::Signature | T::Draw | T::File | T::Audio, value) => {
            match crate::response::attachment::Attachment::from_json(value) {
                Some(a) => Stored::File(Box::new(a)),
                None => return bad(),
            }
        }
        (T::Geopoint, Json::String(s)) => match read_geopoint_text(s) {
            Some(g) => g,
            None => return bad(),
        },
        (
            T::Text | T::Phone | T::IdNumber | T::Email | T::SelectOne | T::Likert | T::Hidden,
            Json::String(s),
        ) => Stored::Text(s.clone()),
        _ => return bad(),
    };
    Ok(Some(stored))
}

fn geo(lat: f64, lon: f64, altitude: Option<f64>, accuracy: Option<f64>) -> Stored {
    let fmt = |x: Option<f64>| x.map_or_else(|| "0".to_owned(), crate::expr::num_to_string);
    let text = format!(
        "{} {} {} {}",
        crate::expr::num_to_string(lat),
        crate::expr::num_to_string(lon),
        fmt(altitude),
        fmt(accuracy)
    );
    Stored::Geo { lat, lon, altitude, accuracy, text }
}

fn read_geopoint_object(map: &Map<String, Json>) -> Option<Stored> {
    let num = |k: &str| map.get(k).and_then(Json::as_f64);
    let opt = |k: &str| match map.get(k) {
        None | Some(Json::Null) => Some(None),
        Some(v) => v.as_f64().map(Some),
    };
    if map.keys().any(|k| !matches!(k.as_str(), "lat" | "lon" | "altitude" | "accuracy")) {
        return None;
    }
    Some(geo(num("lat")?, num("lon")?, opt("altitude")?, opt("accuracy")?))
}

fn read_geopoint_text(text: &str) -> Option<Stored> {
    let parts: Vec<f64> =
        text.split_whitespace().map(crate::expr::decimal).collect::<Option<_>>()?;
    match parts.as_slice() {
        [lat, lon] => Some(geo(*lat, *lon, None, None)),
        [lat, lon, alt] => Some(geo(*lat, *lon, Some(*alt), None)),
        [lat, lon, alt, acc] => Some(geo(*lat, *lon, Some(*alt), Some(*acc))),
        _ => None,
    }
}

/// A stored value as it appears in response JSON.
pub(crate) fn stored_to_json(stored: &Stored) -> Json {
    match stored {
        Stored::Text(s) => Json::String(s.clone()),
        Stored::Num(n) => num_to_json(*n),
        Stored::Bool(b) => Json::Bool(*b),
        Stored::Choices { items, .. } => {
            Json::Array(items.iter().cloned().map(Json::String).collect())
        }
        Stored::Date(d) => Json::String(d.to_string()),
        Stored::Time(t) => Json::String(t.to_string()),
        Stored::DateTime(d) => Json::String(d.to_string()),
        Stored::Geo { lat, lon, altitude, accuracy, .. } => {
            let mut map = Map::new();
            map.insert("lat".into(), num_to_json(*lat));
            map.insert("lon".into(), num_to_json(*lon));
            if let Some(a) = altitude {
                map.insert("altitude".into(), num_to_json(*a));
            }
            if let Some(a) = accuracy {
                map.insert("accuracy".into(), num_to_json(*a));
            }
            Json::Object(map)
        }
        Stored::File(a) => a.to_json(),
    }
}
