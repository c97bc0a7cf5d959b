//! The numbers of a printed questionnaire's questions, and how the paper names every
//! item an expression may refer to.

use std::collections::HashMap;

use crate::schema::{Choice, Item, ItemType, Questionnaire};

use super::phrases::{Phrases, quote};

/// How the paper names one item.
pub(crate) struct Subject {
    /// The question's number ("5", or "24.2" for the second row of matrix 24), for the
    /// items printed as questions.
    pub(crate) number: Option<String>,
    /// How instructions name it: "第 5 题" / "Q5" for a numbered question, its label in
    /// quotation marks or else its name for anything else.
    pub(crate) reference: String,
    /// The choice list its answer comes from.
    pub(crate) choices: Option<String>,
}

/// Every item's [`Subject`], by name.
pub(crate) struct Index<'q> {
    questionnaire: &'q Questionnaire,
    lang: String,
    by_name: HashMap<&'q str, Subject>,
}

/// Whether `item` is printed as a numbered question: everything a person answers,
/// except what the device records.
pub(crate) fn is_numbered(item: &Item) -> bool {
    item.kind.is_question() && item.kind != ItemType::Meta
}

impl<'q> Index<'q> {
    /// Numbers the questions of `questionnaire` in order, 1, 2, 3…, rosters included.
    pub(crate) fn new(questionnaire: &'q Questionnaire, lang: &str, ph: &Phrases) -> Self {
        let fallback = questionnaire.default_language.as_str();
        let mut by_name = HashMap::new();
        let mut next = 0u32;
        for item in questionnaire.all_items() {
            let label = item.label.as_ref().map(|t| t.get(lang, fallback)).unwrap_or_default();
            let named = |number: Option<String>| Subject {
                reference: match &number {
                    Some(n) => ph.question(n),
                    None if !label.trim().is_empty() => quote(label.trim()),
                    None => item.name.clone(),
                },
                number,
                choices: item.choices.clone(),
            };
            if !is_numbered(item) {
                by_name.insert(item.name.as_str(), named(None));
                continue;
            }
            next += 1;
            for (k, row) in item.rows.iter().enumerate() {
                let number = format!("{next}.{}", k + 1);
                by_name.insert(
                    row.name.as_str(),
                    Subject {
                        reference: ph.question(&number),
                        number: Some(number),
                        choices: item.choices.clone(),
                    },
                );
            }
            by_name.insert(item.name.as_str(), named(Some(next.to_string())));
        }
        Index { questionnaire, lang: lang.to_owned(), by_name }
    }

    /// The item (or matrix row) named `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Subject> {
        self.by_name.get(name)
    }

    /// The number of the question `name`, if it is printed as one.
    pub(crate) fn number(&self, name: &str) -> Option<&str> {
        self.get(name)?.number.as_deref()
    }

    /// The choices of the list `list`.
    pub(crate) fn choices(&self, list: &str) -> &'q [Choice] {
        self.questionnaire.choice_lists.get(list).map_or(&[], Vec::as_slice)
    }

    /// The label, in the printed language, of the choice `value` of the question `name`.
    pub(crate) fn choice_label(&self, name: &str, value: &str) -> Option<&'q str> {
        let list = self.get(name)?.choices.as_deref()?;
        let choice = self.choices(list).iter().find(|c| c.name == value)?;
        Some(self.text(&choice.label))
    }

    /// `text` in the printed language (else the questionnaire's default).
    pub(crate) fn text(&self, text: &'q crate::schema::Text) -> &'q str {
        text.get(&self.lang, &self.questionnaire.default_language)
    }
}
