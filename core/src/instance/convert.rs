//! Between response JSON and the engine's rows: reading answers (keeping badly typed
//! ones as given) and writing values back.

use serde_json::{Map, Value as Json};

use super::{Cell, Instance, Row, Stored};
use crate::expr::{Date, DateTime, Time, num_to_json};
use crate::form::{FieldId, Form, ScopeId};
use crate::schema::ItemType;
use crate::validate::{Problem, RowPath};
use crate::{Answers, Code};

/// Reads `answers` into an instance. Names the questionnaire does not have, or that
/// take no answer in that place, are reported as `unknown_field`; answers of the wrong
/// type are kept as bad cells (whether they are problems depends on relevance).
pub(crate) fn from_answers(
    form: &Form,
    answers: &Answers,
    problems: &mut Vec<Problem>,
) -> Instance {
    let mut path = RowPath::root();
    Instance { root: read_row(form, ScopeId::ROOT, answers, &mut path, problems) }
}

fn read_row(
    form: &Form,
    scope: ScopeId,
    answers: &Map<String, Json>,
    path: &mut RowPath,
    problems: &mut Vec<Problem>,
) -> Row {
    let mut row = Row::new(form, scope);
    for (key, value) in answers {
        let field = form.lookup(key).filter(|&id| {
            let f = form.field(id);
            f.scope == scope
                && !matches!(f.kind, ItemType::Group | ItemType::Note | ItemType::Matrix)
        });
        let Some(id) = field else {
            problems.push(
                Problem::new(Code::UnknownField, path.display(form, key))
                    .with("name", key.as_str()),
            );
            continue;
        };
        let f = form.field(id);
        if let Some(row_scope) = f.row_scope {
            row.cells[f.slot] = match value {
                Json::Array(items) => {
                    let mut rows = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        path.push(id, i as u32);
                        match item {
                            Json::Object(map) => {
                                rows.push(read_row(form, row_scope, map, path, problems));
                            }
                            other => {
                                problems.push(
                                    Problem::new(Code::Type, path.display(form, ""))
                                        .with("expected", "row")
                                        .with("value", other.to_string()),
                                );
                                rows.push(Row::new(form, row_scope));
                            }
                        }
                        path.pop();
                    }
                    Cell::Rows(rows)
                }
                Json::Null => Cell::Rows(Vec::new()),
                other => Cell::Bad(other.clone()),
            };
        } else if !form.is_computed(id) {
            row.cells[f.slot] = read_value(form, id, value);
        }
    }
    row
}

/// Converts one JSON answer for `field`.
pub(crate) fn read_value(form: &Form, field: FieldId, value: &Json) -> Cell {
    use ItemType as T;
    let kind = form.field(field).kind;
    let bad = || Cell::Bad(value.clone());
    let stored = match (kind, value) {
        (_, Json::Null) => return Cell::Empty,
        (T::SelectMultiple | T::Rank, Json::Array(items)) if items.is_empty() => {
            return Cell::Empty;
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
        (T::Acknowledge, Json::Bool(false)) => return Cell::Empty,
        (_, Json::String(s)) if s.is_empty() => return Cell::Empty,
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
    Cell::Val(stored)
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
    let parts: Vec<f64> = text.split_whitespace().map(str::parse).collect::<Result<_, _>>().ok()?;
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
    }
}
