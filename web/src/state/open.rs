//! A response open in the form, as plain Rust: the engine's session, the stored record
//! and the repeats whose rows are to be asked about. Each edit returns what changed
//! (for the view to turn into triggers) and whether the record now differs from its
//! stored copy; [`OpenResponse::snapshot`] gives the record to store. What must stay
//! true: the record's answers are the session's as of the last snapshot, and a
//! response the server has, or that is being sent, is never changed.

use std::sync::Arc;
use std::sync::OnceLock;

use serde_json::Value as Json;
use tianye_core::expr::DateTime;
use tianye_core::response::Status;
use tianye_core::{Changes, Form, Loc, Problem, Session};

use crate::state::answers::summary;
use crate::state::record::{Record, Upload};

/// Why an edit is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The server has the response: it is final.
    Uploaded,
    /// The response is being sent: the server gets the copy that went out.
    Uploading,
    /// The response is sealed: its plain answers are gone from storage.
    Sealed,
}

/// What an edit did.
#[derive(Debug, Default)]
pub struct Edit {
    /// What the engine reports changed (values, relevance, rows).
    pub changes: Changes,
    /// Whether the record now differs from its stored copy.
    pub dirty: bool,
}

/// A response open in the form.
pub struct OpenResponse {
    session: Session,
    record: Record,
    /// Repeats whose count went below the rows holding answers, to ask about once the
    /// user leaves the box (typing 12 over 5 passes through 1, which must not ask).
    excess_rows: Vec<Loc>,
    /// The session's answers changed since the last snapshot.
    answers_changed: bool,
    /// The record differs from its stored copy.
    dirty: bool,
    /// The problems of the session as it stands; emptied by every edit.
    report: OnceLock<Arc<[Problem]>>,
}

impl OpenResponse {
    /// Opens `record` with the compiled `form`, at time `now`, in language `lang`. A
    /// record whose summary is not the one its answers give (saved by an older build,
    /// or imported) is dirty at once.
    pub fn open(form: Arc<Form>, record: Record, now: DateTime, lang: &str) -> OpenResponse {
        let mut session =
            Session::open(form, &record.response.answers, record.response.meta.clone(), now);
        session.set_language(lang);
        let mut open = OpenResponse {
            session,
            record,
            excess_rows: Vec::new(),
            answers_changed: false,
            dirty: false,
            report: OnceLock::new(),
        };
        let summary = summary(&open.session);
        if open.record.summary != summary {
            open.record.summary = summary;
            open.dirty = true;
        }
        open
    }

    /// The engine's session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The record as of the last snapshot (its upload state as the queue last set it).
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// Why the response may not change now, if it may not.
    pub fn held(&self) -> Option<Held> {
        match self.record.upload {
            _ if self.record.sealed.is_some() => Some(Held::Sealed),
            Upload::Uploaded { .. } => Some(Held::Uploaded),
            Upload::Uploading => Some(Held::Uploading),
            _ => None,
        }
    }

    /// Whether the answers changed since the last snapshot.
    pub fn has_new_answers(&self) -> bool {
        self.answers_changed
    }

    /// Whether the record differs from its stored copy.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Whether the response is a plain draft (not complete, queued or refused): a
    /// change to one may be saved a moment later; any other is saved at once, as the
    /// change makes it a draft again and the list and the queue must know now.
    pub fn is_plain_draft(&self) -> bool {
        self.record.response.status == Status::Draft && matches!(self.record.upload, Upload::Draft)
    }

    /// Sets the answer at `loc`. Repeats left with more rows than their count are kept
    /// for [`OpenResponse::take_excess_rows`]. An answer the engine refuses changes
    /// nothing.
    pub fn set(&mut self, loc: &Loc, value: &Json) -> Result<Edit, Held> {
        self.check_editable()?;
        let Ok(changes) = self.session.set_answer(loc, value) else { return Ok(Edit::default()) };
        for excess in &changes.excess_rows {
            if !self.excess_rows.contains(&excess.repeat) {
                self.excess_rows.push(excess.repeat.clone());
            }
        }
        Ok(self.edited(changes))
    }

    /// Adds a row to the repeat at `loc`.
    pub fn add_row(&mut self, loc: &Loc) -> Result<Edit, Held> {
        self.check_editable()?;
        match self.session.add_row(loc) {
            Ok((_, changes)) => Ok(self.edited(changes)),
            Err(_) => Ok(Edit::default()),
        }
    }

    /// Removes row `index` of the repeat at `loc`.
    pub fn remove_row(&mut self, loc: &Loc, index: u32) -> Result<Edit, Held> {
        self.check_editable()?;
        match self.session.remove_row(loc, index) {
            Ok(changes) => Ok(self.edited(changes)),
            Err(_) => Ok(Edit::default()),
        }
    }

    /// Removes the rows of the repeat at `repeat` beyond `wanted`, the last first.
    pub fn cut_rows(&mut self, repeat: &Loc, wanted: u32) -> Result<Edit, Held> {
        self.check_editable()?;
        let mut all = Changes::default();
        while self.session.row_count(repeat) > wanted {
            let last = self.session.row_count(repeat) - 1;
            match self.session.remove_row(repeat, last) {
                Ok(more) => all.changes.extend(more.changes),
                Err(_) => break,
            }
        }
        Ok(self.edited(all))
    }

    /// The repeats noted by [`OpenResponse::set`] since last asked.
    pub fn take_excess_rows(&mut self) -> Vec<Loc> {
        std::mem::take(&mut self.excess_rows)
    }

    /// Shows the questionnaire's texts in `lang`.
    pub fn set_language(&mut self, lang: &str) {
        self.session.set_language(lang);
        self.report = OnceLock::new();
    }

    /// Remembers the page shown, so the form reopens there. Whether that changed it.
    pub fn set_page(&mut self, page: usize) -> bool {
        let changed = self.record.page != page;
        self.record.page = page;
        self.dirty |= changed;
        changed
    }

    /// Takes in where the upload stands and whether the response is sealed, as the
    /// queue and the sealer stored them (they write their own copy: this one only
    /// follows).
    pub fn follow(&mut self, stored: &Record) {
        if self.record.upload != stored.upload {
            self.record.upload = stored.upload.clone();
        }
        if stored.sealed.is_some() && self.record.sealed.is_none() {
            self.record.sealed.clone_from(&stored.sealed);
        }
    }

    /// Every problem of the response as it stands, in questionnaire order, validated
    /// once per edit however often asked.
    pub fn problems(&self) -> Arc<[Problem]> {
        Arc::clone(
            self.report.get_or_init(|| self.session.report(Status::Complete).problems.into()),
        )
    }

    /// Marks the response complete at `now` (ISO time) and, with `queue`, queues it for
    /// upload (a response to be sealed is queued once sealed); with problems, changes
    /// nothing and gives their number.
    pub fn complete(&mut self, now: &str, queue: bool) -> Result<(), usize> {
        let left = self.problems().len();
        if left > 0 {
            return Err(left);
        }
        self.take_in_answers(now);
        let r = &mut self.record;
        r.response.status = Status::Complete;
        r.response.meta.submitted_at = Some(now.to_owned());
        r.response.meta.updated_at = Some(now.to_owned());
        r.upload = if queue {
            Upload::Queued { attempts: 0, next_at: 0.0, last_error: None }
        } else {
            Upload::Draft
        };
        self.dirty = true;
        Ok(())
    }

    /// The record to store, if it differs from its stored copy (then it no longer
    /// does): answers changed since are taken in at `now` (ISO time), and a completed
    /// or refused response edited becomes a draft again until marked complete.
    pub fn snapshot(&mut self, now: &str) -> Option<Record> {
        self.take_in_answers(now);
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        Some(self.record.clone())
    }

    fn check_editable(&self) -> Result<(), Held> {
        self.held().map_or(Ok(()), Err)
    }

    fn edited(&mut self, changes: Changes) -> Edit {
        if changes.changes.is_empty() {
            return Edit { changes, dirty: self.dirty };
        }
        self.report = OnceLock::new();
        self.answers_changed = true;
        self.dirty = true;
        Edit { changes, dirty: true }
    }

    fn take_in_answers(&mut self, now: &str) {
        if !std::mem::take(&mut self.answers_changed) {
            return;
        }
        let r = &mut self.record;
        r.response.answers = self.session.answers();
        r.response.meta.updated_at = Some(now.to_owned());
        if r.response.status == Status::Complete && !r.is_uploaded() {
            r.response.status = Status::Draft;
            r.response.meta.submitted_at = None;
        }
        if !matches!(r.upload, Upload::Rejected { .. } | Upload::Uploaded { .. }) {
            r.upload = Upload::Draft;
        }
        r.summary = summary(&self.session);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tianye_core::response::{FormRef, Meta, Response};
    use tianye_core::schema::Text;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;

    // Run natively (`cargo test -p tianye-web --lib state::open`) and with the browser
    // tests: these rules take no browser type.
    wasm_bindgen_test_configure!(run_in_browser);

    /// A name to give, a roster as long as a count, and an open roster.
    const FORM: &str = r#"{
      "id": "t", "version": "1", "title": "t",
      "items": [
        {"type": "text", "name": "name", "label": "名字", "required": true},
        {"type": "integer", "name": "n", "label": "人数"},
        {"type": "repeat", "name": "kids", "label": "孩子", "repeat_count": "${n}",
         "items": [{"type": "text", "name": "k_name", "label": "姓名"}]},
        {"type": "repeat", "name": "people", "label": "成员",
         "items": [{"type": "text", "name": "p_name", "label": "姓名"}]},
        {"type": "text", "name": "remarks", "label": "备注"}
      ]
    }"#;
    const NOW: &str = "2026-07-01T10:00:00.000+08:00";

    fn form() -> Arc<Form> {
        Arc::new(Form::from_json(FORM).expect("the questionnaire compiles"))
    }

    fn record(answers: Json, upload: Upload) -> Record {
        let form = form();
        let q = form.questionnaire();
        Record {
            response: Response {
                instance_id: "r1".into(),
                questionnaire: FormRef { id: q.id.clone(), version: q.version.clone() },
                status: Status::Draft,
                answers: serde_json::from_value(answers).expect("answers"),
                meta: Meta::default(),
            },
            title: q.title.clone(),
            upload,
            summary: Text::default(),
            page: 0,
            sealed: None,
            files_sent: Vec::new(),
        }
    }

    fn open(answers: Json, upload: Upload) -> OpenResponse {
        let now = DateTime::parse(NOW).expect("time");
        let mut open = OpenResponse::open(form(), record(answers, upload), now, "zh");
        // The summary mended on opening is stored first.
        open.snapshot(NOW);
        open
    }

    fn at(open: &OpenResponse, name: &str, rows: &[u32]) -> Loc {
        Loc::new(open.session().form().lookup(name).expect(name), rows.to_vec())
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn an_answer_makes_the_record_dirty_and_the_snapshot_holds_it() {
        let mut o = open(json!({}), Upload::Draft);
        assert!(!o.is_dirty() && o.snapshot(NOW).is_none(), "opened clean");
        let n = at(&o, "n", &[]);
        let edit = o.set(&n, &json!(2)).expect("editable");
        assert!(edit.dirty && !edit.changes.changes.is_empty());
        let saved = o.snapshot(NOW).expect("dirty");
        assert_eq!(serde_json::to_value(&saved.response.answers).unwrap()["n"], json!(2));
        assert_eq!(saved.response.meta.updated_at.as_deref(), Some(NOW));
        assert!(o.snapshot(NOW).is_none(), "saved: clean again");
        // The same answer again changes nothing.
        let edit = o.set(&n, &json!(2)).expect("editable");
        assert!(!edit.dirty && edit.changes.changes.is_empty());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn rows_are_added_and_removed_and_a_lowered_count_is_noted() {
        let answers = json!({"people": [{"p_name": "王秀英"}, {"p_name": "刘思雨"}]});
        let mut o = open(answers, Upload::Draft);
        let people = at(&o, "people", &[]);
        assert_eq!(o.session().row_count(&people), 2);
        assert!(o.add_row(&people).expect("editable").dirty);
        assert_eq!(o.session().row_count(&people), 3);
        o.snapshot(NOW);
        assert!(o.remove_row(&people, 0).expect("editable").dirty);
        let name = at(&o, "p_name", &[0]);
        assert_eq!(o.session().answer(&name), json!("刘思雨"), "the later rows move up");
        assert_eq!(o.snapshot(NOW).expect("dirty").response.answers.len(), 1);
        // A count typed below the rows holding answers is noted, not acted on.
        let (n, kids) = (at(&o, "n", &[]), at(&o, "kids", &[]));
        o.set(&n, &json!(2)).expect("editable");
        o.set(&at(&o, "k_name", &[1]), &json!("小明")).expect("editable");
        o.set(&n, &json!(1)).expect("editable");
        assert_eq!(o.take_excess_rows(), vec![kids.clone()]);
        assert!(o.take_excess_rows().is_empty(), "taken once");
        assert_eq!(o.session().row_count(&kids), 2, "kept until asked");
        assert!(o.cut_rows(&kids, 1).expect("editable").dirty);
        assert_eq!(o.session().row_count(&kids), 1);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn completing_with_problems_changes_nothing_and_without_queues_it() {
        let mut o = open(json!({}), Upload::Draft);
        let left = o.problems().len();
        assert!(left > 0, "the name is required");
        assert_eq!(o.complete(NOW, true), Err(left));
        assert!(!o.is_dirty() && o.record().response.status == Status::Draft);
        // One validation per edit: asked again, the same report.
        assert!(Arc::ptr_eq(&o.problems(), &o.problems()));
        o.set(&at(&o, "name", &[]), &json!("周晓雯")).expect("editable");
        assert_eq!(o.problems().len(), 0, "named: nothing left");
        assert_eq!(o.complete(NOW, true), Ok(()));
        let saved = o.snapshot(NOW).expect("dirty");
        assert_eq!(saved.response.status, Status::Complete);
        assert_eq!(saved.response.meta.submitted_at.as_deref(), Some(NOW));
        assert!(matches!(saved.upload, Upload::Queued { attempts: 0, .. }));
        // Edited after: a draft again.
        let remarks = at(&o, "remarks", &[]);
        o.set(&remarks, &json!("补充")).expect("editable");
        let saved = o.snapshot(NOW).expect("dirty");
        assert_eq!(saved.response.status, Status::Draft);
        assert_eq!(saved.upload, Upload::Draft);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_response_sent_or_being_sent_is_held() {
        let uploaded = Upload::Uploaded { at: NOW.into() };
        for (upload, held) in [(uploaded, Held::Uploaded), (Upload::Uploading, Held::Uploading)] {
            let mut o = open(json!({}), upload);
            let n = at(&o, "n", &[]);
            assert_eq!(o.set(&n, &json!(2)).map(|e| e.dirty), Err(held));
            let people = at(&o, "people", &[]);
            assert_eq!(o.add_row(&people).map(|e| e.dirty), Err(held));
            assert!(o.snapshot(NOW).is_none(), "nothing changed");
        }
        // The queue's answer is followed; a refused response may be edited.
        let mut o = open(json!({}), Upload::Uploading);
        let refused = Upload::Rejected {
            code: "validation".into(),
            message: String::new(),
            problems: Vec::new(),
        };
        let mut stored = o.record().clone();
        stored.upload = refused.clone();
        o.follow(&stored);
        assert_eq!(o.held(), None);
        let n = at(&o, "n", &[]);
        assert!(o.set(&n, &json!(1)).expect("editable").dirty);
        assert_eq!(
            o.snapshot(NOW).expect("dirty").upload,
            refused,
            "still refused until completed"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_response_to_be_sealed_is_not_queued_and_once_sealed_is_held() {
        let mut o = open(json!({"name": "周晓雯"}), Upload::Draft);
        assert_eq!(o.complete(NOW, false), Ok(()));
        let saved = o.snapshot(NOW).expect("dirty");
        assert_eq!(saved.response.status, Status::Complete);
        assert_eq!(saved.upload, Upload::Draft, "queued by the sealer, not here");
        // The sealer stored the envelope and queued it: followed, and held.
        let mut sealed = saved.clone();
        sealed.keep_sealed(crate::state::record::Envelope("{}".into()));
        o.follow(&sealed);
        assert_eq!(o.held(), Some(Held::Sealed));
        let name = at(&o, "name", &[]);
        assert_eq!(o.set(&name, &json!("改")).map(|e| e.dirty), Err(Held::Sealed));
        assert!(o.snapshot(NOW).is_none(), "nothing to write over the envelope");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_page_shown_is_kept() {
        let mut o = open(json!({}), Upload::Draft);
        assert!(o.set_page(3));
        assert!(!o.set_page(3));
        assert_eq!(o.snapshot(NOW).expect("dirty").page, 3);
    }
}
