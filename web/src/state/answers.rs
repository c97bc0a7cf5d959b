//! Answers in words: as the review shows them, and the summary the list shows and
//! searches.

use tianye_core::schema::{ItemType, Text};
use tianye_core::{FieldId, Loc, Session};

use crate::i18n::{Key, t};

/// The answer at `loc` as the review page shows it: choice labels, joined lists,
/// locations, an attachment's file name; empty when unanswered.
pub fn answer_text(s: &Session, loc: &Loc, lang: &str) -> String {
    let form = s.form();
    let value = s.answer(loc);
    let fallback = form.default_language();
    let label_of = |name: &str| {
        form.choices_of(loc.field)
            .and_then(|l| l.get(name))
            .map_or_else(|| name.to_owned(), |c| c.label.get(lang, fallback).to_owned())
    };
    match &value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(v) if form.field(loc.field).kind.uses_choices() => label_of(v),
        serde_json::Value::String(v) => v.clone(),
        serde_json::Value::Array(items) => {
            items.iter().filter_map(|i| i.as_str()).map(label_of).collect::<Vec<_>>().join("、")
        }
        serde_json::Value::Object(map) if map.contains_key("lat") => {
            let n = |k: &str| map.get(k).map(ToString::to_string).unwrap_or_default();
            format!("{}, {} (±{} m)", n("lat"), n("lon"), n("accuracy"))
        }
        // A photo, a signature or a file: its name (the review shows a picture's
        // thumbnail beside it, from the phone's file store).
        serde_json::Value::Object(map) if map.contains_key("sha256") => {
            map.get("file").and_then(|f| f.as_str()).unwrap_or_default().to_owned()
        }
        other => other.to_string(),
    }
}

/// The title of the row at `row` (`row.rows` ends with the row's own index) of the
/// repeat `row.field`: its row label (a member's name) or, when that is empty, its
/// number (`第 2 行`).
pub fn row_title(s: &Session, row: &Loc, lang: &str) -> String {
    let n = row.rows.last().map_or(1, |i| i + 1);
    s.row_label(row, lang)
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| t(Key::Row, lang).replace("{n}", &n.to_string()))
}

/// The languages the app shows, in which the list's line is kept.
const LINE_LANGUAGES: [&str; 2] = ["zh", "en"];

/// The response's answers in a line, as the list shows and searches them: the text
/// answers and the labels of the choices made, in the questionnaire's order, so a search
/// finds a household by a name, its village (旺溪村, not the choice's name `wangxi`) or its
/// code. Kept in each language the app shows (the choices' labels differ; a plain text
/// when they do not), so an English list shows "Yes" where a Chinese one shows "是".
/// Dates, numbers and locations are left out: they would crowd the line.
pub fn summary(s: &Session) -> Text {
    fn walk(s: &Session, ids: &[FieldId], rows: &[u32], out: &mut [Vec<String>]) {
        let form = s.form();
        for &id in ids {
            let f = form.field(id);
            let loc = Loc::new(id, rows.to_vec());
            if !s.is_relevant(&loc) {
                continue;
            }
            match f.kind {
                ItemType::Group | ItemType::Matrix => walk(s, &f.children, rows, out),
                ItemType::Repeat => {
                    for i in 0..s.row_count(&loc) {
                        let mut row = rows.to_vec();
                        row.push(i);
                        walk(s, &f.children, &row, out);
                    }
                }
                ItemType::Text | ItemType::Phone | ItemType::IdNumber | ItemType::Email => {
                    let text = answer_text(s, &loc, "");
                    if !text.trim().is_empty() {
                        for line in out.iter_mut() {
                            line.push(text.clone());
                        }
                    }
                }
                ItemType::SelectOne | ItemType::SelectMultiple | ItemType::Likert => {
                    for (line, lang) in out.iter_mut().zip(LINE_LANGUAGES) {
                        let text = answer_text(s, &loc, lang);
                        if !text.trim().is_empty() {
                            line.push(text);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = [Vec::new(), Vec::new()];
    walk(s, s.form().top_level(), &[], &mut out);
    let [zh, en] = out.map(|parts| parts.join(" "));
    if zh == en {
        Text::Plain(zh)
    } else {
        Text::PerLanguage(LINE_LANGUAGES.into_iter().zip([zh, en]).collect())
    }
}

/// Where the problem at `loc` is, in words: the titles of the rows holding it and its
/// label (`刘思雨 · 出生日期`); its `path` (`member[2].m_dob`) when it is at no item.
pub fn problem_place(s: &Session, loc: Option<&Loc>, path: &str, lang: &str) -> String {
    let Some(loc) = loc else { return path.to_owned() };
    let form = s.form();
    let mut repeats = Vec::new();
    let mut at = form.field(loc.field).parent;
    while let Some(id) = at {
        if form.field(id).kind == ItemType::Repeat {
            repeats.push(id);
        }
        at = form.field(id).parent;
    }
    repeats.reverse();
    let mut parts: Vec<String> = repeats
        .iter()
        .zip(1..)
        .filter(|&(_, depth)| depth <= loc.rows.len())
        .map(|(&id, depth)| row_title(s, &Loc::new(id, loc.rows[..depth].to_vec()), lang))
        .collect();
    let label = s.label(loc, lang);
    parts.push(if label.trim().is_empty() { path.to_owned() } else { label });
    parts.join(" · ")
}
