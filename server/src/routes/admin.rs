//! Admin endpoints (admin token; no CORS): exports, the overview and its page.

use std::collections::HashMap;
use std::io::{BufWriter, Write};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::questionnaires::{bad_path, bad_query};
use crate::AppState;
use crate::auth;
use crate::error::{ApiCode, ApiError};
use crate::export::{
    CsvCells, CsvSink, ExportError, ExportOptions, Layout, StatsTool, XlsxSink, codebook_csv,
    codebook_xlsx, csv_zip, export_jsonl, export_tables, sealed, sealed_zip, stats_zip,
};
use crate::store::TokenKind;

/// Sends what is written as body chunks.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tx
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
        .collect()
}

/// A response whose body `produce` writes on a blocking thread, streamed as it goes.
/// A failure midway aborts the body, so a client never takes a cut file for whole.
fn streamed(
    content_type: &'static str,
    filename: &str,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), ExportError> + Send + 'static,
) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let err_tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let mut w = BufWriter::with_capacity(64 * 1024, ChannelWriter { tx });
        let result = produce(&mut w).and_then(|()| w.flush().map_err(ExportError::from));
        if let Err(e) = result {
            let _ = err_tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    // Fused: a body may be polled again after its end (the gzip layer does).
    let stream =
        futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        }));
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file_name(filename))),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

const CSV: &str = "text/csv; charset=utf-8";
/// The header telling that an export's lines are sealed envelopes.
const SEALED: &str = "tianye-sealed";
const ZIP: &str = "application/zip";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn flag(query: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match query.get(name).map(String::as_str) {
        None | Some("0" | "false" | "no") => Ok(false),
        Some("" | "1" | "true" | "yes") => Ok(true),
        Some(other) => {
            Err(ApiError::new(ApiCode::BadQuery).with("name", name).with("value", other))
        }
    }
}

/// `GET /api/v1/questionnaires/{id}/{file}` with `file` one of `export.csv`
/// (`?table=REPEAT` for a repeat's table), `export.zip` (every table's CSV and XLSX,
/// the codebook, the attachments and a README, see [`csv_zip`]; for a sealed
/// questionnaire the envelopes and the sealed files, see [`sealed_zip`]), `export.xlsx`, `export.jsonl`,
/// `export-spss.zip`, `export-stata.zip` (every table's CSV with its `.sps` or `.do`
/// syntax file, see [`stats_zip`]), `codebook.csv`, `codebook.xlsx`; `?labels=1` writes
/// choice labels (not for SPSS and Stata, whose syntax labels the codes), `?lang=en`
/// picks their language. CSV text that a spreadsheet would run as a formula gets a leading
/// `'`; `?raw=1` writes CSV cells as they are (see [`CsvCells`]).
pub(super) async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    auth::authenticate(state.store.as_ref(), &headers, TokenKind::Admin)?;
    let Path((id, file)) = path.map_err(|e| bad_path(&e))?;
    let Query(query) = query.map_err(|e| bad_query(&e))?;
    if !state.catalog.knows(&id) {
        return Err(ApiError::new(ApiCode::QuestionnaireNotFound).with("id", id));
    }
    let lang = query.get("lang").cloned().unwrap_or_else(|| "zh".into());
    if lang != "zh" && lang != "en" {
        return Err(ApiError::new(ApiCode::BadQuery).with("name", "lang").with("value", lang));
    }
    let options = ExportOptions { labels: flag(&query, "labels")?, lang };
    let cells = if flag(&query, "raw")? { CsvCells::Raw } else { CsvCells::Neutralised };
    let layout = Layout::new(&id, state.catalog.versions(&id));
    let seals = sealed::seals(state.catalog.versions(&id));
    if seals
        && matches!(
            file.as_str(),
            "export.csv" | "export.xlsx" | "export-spss.zip" | "export-stata.zip"
        )
    {
        return Err(ApiError::new(ApiCode::ExportSealed).with("id", id));
    }
    let store = state.store.clone();
    let response = match file.as_str() {
        "export.csv" => {
            let table = match query.get("table") {
                None => 0,
                Some(name) => layout.table(name).ok_or_else(|| {
                    ApiError::new(ApiCode::UnknownTable)
                        .with("id", id.as_str())
                        .with("table", name.as_str())
                })?,
            };
            let filename = if table == 0 {
                format!("{id}.csv")
            } else {
                format!("{id}-{}.csv", layout.tables[table].name)
            };
            streamed(CSV, &filename, move |out| {
                let mut outputs: Vec<Option<&mut dyn Write>> =
                    (0..layout.tables.len()).map(|_| None).collect();
                outputs[table] = Some(out);
                let mut sink = CsvSink::with_cells(outputs, cells)?;
                export_tables(store.as_ref(), &layout, &options, &mut sink)?;
                sink.finish()
            })
        }
        // The server never has the researcher's key: a sealed questionnaire's archive
        // holds the envelopes and the files as they were uploaded.
        "export.zip" if seals => {
            let mut response = streamed(ZIP, &format!("{id}-sealed.zip"), move |out| {
                sealed_zip(store.as_ref(), &layout, out).map(|_| ())
            });
            response.headers_mut().insert(SEALED, HeaderValue::from_static("envelopes"));
            response
        }
        "export.zip" => streamed(ZIP, &format!("{id}-csv.zip"), move |out| {
            csv_zip(store.as_ref(), &layout, &options, cells, out).map(|_| ())
        }),
        "export-spss.zip" | "export-stata.zip" => {
            let tool = if file == "export-spss.zip" { StatsTool::Spss } else { StatsTool::Stata };
            streamed(ZIP, &format!("{id}-{}.zip", tool.as_str()), move |out| {
                stats_zip(tool, store.as_ref(), &layout, &options, cells, out).map(|_| ())
            })
        }
        "export.xlsx" => streamed(XLSX, &format!("{id}.xlsx"), move |out| {
            let tmp = tempfile::Builder::new().suffix(".xlsx").tempfile()?;
            let mut sink = XlsxSink::new(&layout)?;
            export_tables(store.as_ref(), &layout, &options, &mut sink)?;
            sink.save(tmp.as_file())?;
            std::io::copy(&mut std::fs::File::open(tmp.path())?, out)?;
            Ok(())
        }),
        "export.jsonl" => {
            let mut response = streamed(
                "application/x-ndjson; charset=utf-8",
                &format!("{id}.jsonl"),
                move |out| export_jsonl(store.as_ref(), &id, out).map(|_| ()),
            );
            if seals {
                // Each sealed line is an envelope (it has `sealed`), for `tianye export
                // --key`; the admin page says so beside the link.
                response.headers_mut().insert(SEALED, HeaderValue::from_static("envelopes"));
            }
            response
        }
        "codebook.csv" => streamed(CSV, &format!("{id}-codebook.csv"), move |out| {
            codebook_csv(&layout, out, cells)
        }),
        "codebook.xlsx" => streamed(XLSX, &format!("{id}-codebook.xlsx"), move |out| {
            let tmp = tempfile::Builder::new().suffix(".xlsx").tempfile()?;
            codebook_xlsx(&layout, tmp.as_file())?;
            std::io::copy(&mut std::fs::File::open(tmp.path())?, out)?;
            Ok(())
        }),
        _ => {
            return Err(ApiError::new(ApiCode::NotFound)
                .with("path", format!("/api/v1/questionnaires/{id}/{file}")));
        }
    };
    Ok(response)
}

/// `GET /api/v1/admin/overview`: submissions per questionnaire version, per team, per
/// day (UTC+8), and each questionnaire's title (`zh`, `en`), versions and export
/// tables (the main table first, then each repeat's); `sealed` counts the sealed
/// submissions, and marks each version and questionnaire that seals. `teams` gives
/// each team at a glance: total, complete, with problems, last upload, target with
/// progress, and the last 30 days (UTC+8) day by day.
pub(super) async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    auth::authenticate(state.store.as_ref(), &headers, TokenKind::Admin)?;
    let store = state.store.clone();
    let overview = tokio::task::spawn_blocking(move || store.overview())
        .await
        .map_err(|e| ApiError::new(ApiCode::Internal).with("detail", e.to_string()))?
        .map_err(|e| ApiError::storage(&e))?;
    let questionnaires: Vec<Value> = state
        .catalog
        .ids()
        .map(|id| {
            let versions = state.catalog.versions(id);
            // The title the teams see now: the current version's, else the newest kept.
            let title = state.catalog.current(id).or(versions.last()).map(|v| {
                let q = v.form.questionnaire();
                json!({
                    "zh": q.title.get("zh", &q.default_language),
                    "en": q.title.get("en", &q.default_language),
                })
            });
            let layout = Layout::new(id, versions);
            json!({
                "id": id,
                "title": title,
                "current_version": state.catalog.current(id).map(|v| v.version()),
                "versions": versions.iter().map(|v| v.version()).collect::<Vec<_>>(),
                "tables": layout.tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
                "sealed": sealed::seals(versions),
            })
        })
        .collect();
    let mut body = serde_json::to_value(&overview).unwrap_or_default();
    // Each version says whether its responses are sealed (stored as envelopes the
    // server cannot read), and the total counts the sealed submissions.
    let mut sealed_total = 0;
    if let Some(Value::Array(versions)) = body.get_mut("by_version") {
        for v in versions {
            let (id, version) = (v["form_id"].as_str(), v["version"].as_str());
            let seals = state
                .catalog
                .get(id.unwrap_or_default(), version.unwrap_or_default())
                .is_some_and(|fv| fv.form.questionnaire().encryption.is_some());
            if seals {
                sealed_total += v["count"].as_u64().unwrap_or(0);
            }
            v["sealed"] = Value::Bool(seals);
        }
    }
    if let Value::Object(map) = &mut body {
        map.insert("sealed".into(), Value::from(sealed_total));
        map.insert("questionnaires".into(), Value::Array(questionnaires));
    }
    Ok(Json(body))
}
