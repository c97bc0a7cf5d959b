//! The built web app: its files with the single-page fallback to `index.html`, sent as
//! their precompressed copies where the browser takes them, each tagged with a hash of
//! its content (`ETag`) so a browser asking again gets a 304 exactly when it holds the
//! same bytes.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE,
    LAST_MODIFIED, RANGE, VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tower_http::services::{ServeDir, ServeFile};

use crate::canonical::sha256;

/// The built web app in `dir`. A file is sent as its `.br` or `.gz` copy (written by
/// `cargo xtask dist`) to a browser that takes it: the app's wasm is about 930 KiB as it
/// is and 300 KiB in brotli, which matters on a village's mobile signal. `Vary` keeps
/// caches on the way from mixing the encodings. `Cache-Control: no-cache` makes a
/// browser ask again rather than guess a file is fresh: without a service worker (plain
/// HTTP on a LAN, some in-app browsers) a guess could pair a new build's JS glue with
/// the last build's wasm.
///
/// The browser asks again with the file's `ETag`, a hash of its bytes (and of its
/// copies'), and gets a 304 only when they are the same. The date alone
/// (`Last-Modified`, to the second) would answer 304 to a file rewritten within the
/// second it was last fetched, and to an older build put back in place (its files dated
/// before the copies the browser holds); the hash also spares a download when a rebuild
/// wrote the same bytes.
pub(super) fn web_app(dir: &Path) -> axum::routing::MethodRouter {
    let index = ServeFile::new(dir.join("index.html")).precompressed_br().precompressed_gzip();
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(index);
    let tags = ContentTags { dir: dir.to_owned(), known: Arc::default() };
    let root = WebRoot(Arc::new(dir.to_owned()));
    axum::routing::any_service(files)
        .layer(axum::middleware::from_fn_with_state(tags, answer_by_content_tag))
        .layer(axum::middleware::from_fn_with_state(root, refuse_hidden_and_linked))
        .layer(axum::middleware::map_response(|mut res: Response| async move {
            let headers = res.headers_mut();
            headers.append(VARY, HeaderValue::from_static("accept-encoding"));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            res
        }))
}

/// The folder of the built web app.
#[derive(Clone)]
struct WebRoot(Arc<PathBuf>);

/// Answers 404 to a request for a dotfile or a dot-folder (`/.env`, `/.git/config`),
/// or for a path that passes through a symbolic link inside the app's folder (or names
/// a link as a compressed copy): the server sends only the plain files under `--web`,
/// never what a link placed there would reach (the database, `/etc/passwd`).
async fn refuse_hidden_and_linked(
    State(root): State<WebRoot>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let root = Arc::clone(&root.0);
    let refused = tokio::task::spawn_blocking(move || is_hidden_or_linked(&root, &path))
        .await
        .unwrap_or(true);
    if refused {
        return crate::error::ApiError::new(crate::error::ApiCode::NotFound)
            .with("path", req.uri().path())
            .into_response();
    }
    next.run(req).await
}

/// Whether the request `path` names a hidden file or folder, or reaches through a
/// symbolic link below `root` (the root itself may be a link: the operator chose it).
/// A path that names nothing on disk is neither (the app's own page answers it).
fn is_hidden_or_linked(root: &Path, path: &str) -> bool {
    let mut here = root.to_owned();
    // Named as the file service will read it: percent-decoded, as UTF-8.
    let Ok(decoded) = percent_encoding::percent_decode_str(path).decode_utf8() else {
        return true;
    };
    let parts: Vec<&str> = decoded.split('/').filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| p.starts_with('.')) {
        return true;
    }
    for part in &parts {
        here.push(part);
        match std::fs::symlink_metadata(&here) {
            Ok(meta) if meta.file_type().is_symlink() => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    // The file service sends a file's compressed copy in its place, and a folder's
    // `index.html`.
    let named = if here.is_dir() { here.join("index.html") } else { here };
    std::iter::once(named.clone())
        .chain(COPIES.iter().map(|(ext, _)| {
            let mut copy = named.clone().into_os_string();
            copy.push(format!(".{ext}"));
            PathBuf::from(copy)
        }))
        .any(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
}

/// The content tags of the web app's files, each kept while the file and its copies
/// keep their sizes and modification times, so a file is hashed once per change.
#[derive(Clone)]
struct ContentTags {
    dir: PathBuf,
    known: Arc<Mutex<HashMap<PathBuf, KnownTag>>>,
}

struct KnownTag {
    stamps: Vec<Option<Stamp>>,
    file: FileTag,
}

/// What is known of the file a path is answered with.
#[derive(Clone)]
struct FileTag {
    /// Its content tag.
    tag: HeaderValue,
    /// The encodings (`br`, `gzip`) whose copy does not hold the file's bytes: a copy
    /// left over from before the file was edited by hand. The file itself is sent in
    /// their place.
    stale: Vec<&'static str>,
}

/// A file's size and modification time, or `None` where it has none.
type Stamp = (u64, SystemTime);

/// The copies sent in place of a file, by the file service's names, and their
/// encodings.
const COPIES: [(&str, &str); 2] = [("br", "br"), ("gz", "gzip")];

impl ContentTags {
    /// The tag of the file a request for `path` is answered with (`index.html` for a
    /// path naming no file: the single-page fallback), or `None` where the file cannot
    /// be read or the path is not a plain file path (left to the file service).
    ///
    /// The tag is a hash of the file and of its `.br` and `.gz` copies. Each copy is
    /// also checked to hold the file's bytes (once per change, as the tag is made): one
    /// that does not, left from before the file was edited by hand, is named stale, so
    /// that the file itself is sent instead.
    fn for_path(&self, path: &str) -> Option<FileTag> {
        let file = self.file_for(path)?;
        let variants: Vec<PathBuf> = std::iter::once(file.clone())
            .chain(COPIES.iter().map(|(ext, _)| {
                let mut copy = file.clone().into_os_string();
                copy.push(format!(".{ext}"));
                PathBuf::from(copy)
            }))
            .collect();
        let stamps: Vec<Option<Stamp>> = variants
            .iter()
            .map(|v| std::fs::metadata(v).ok().and_then(|m| Some((m.len(), m.modified().ok()?))))
            .collect();
        // A file without a date is not tagged: a change to it could not be seen.
        stamps[0]?;
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(k) = known.get(&file).filter(|k| k.stamps == stamps) {
            return Some(k.file.clone());
        }
        drop(known);
        // The variants' hashes, hashed together: absent copies count as empty.
        let mut hashes = Vec::with_capacity(32 * variants.len());
        let content = std::fs::read(&file).ok()?;
        hashes.extend_from_slice(&sha256(&content));
        let mut stale = Vec::new();
        for ((_, encoding), copy) in COPIES.iter().zip(&variants[1..]) {
            match std::fs::read(copy) {
                Ok(bytes) => {
                    hashes.extend_from_slice(&sha256(&bytes));
                    if !holds(encoding, &bytes, &content) {
                        eprintln!(
                            "tianye serve: {copy} 与 {file} 内容不同（原文件被手工改过？），改为发送原文件；请重新运行 `cargo xtask dist` / {copy} does not hold {file} (edited by hand?): sending the file itself; run `cargo xtask dist` again",
                            copy = copy.display(),
                            file = file.display(),
                        );
                        stale.push(*encoding);
                    }
                }
                Err(_) => hashes.extend_from_slice(&[0; 32]),
            }
        }
        // Weak: the same content goes as it is, in brotli or in gzip, under one tag
        // (each cache keeps its own by `Vary`).
        let hash = URL_SAFE_NO_PAD.encode(&sha256(&hashes)[..16]);
        let tag = HeaderValue::from_str(&format!("W/\"{hash}\"")).ok()?;
        let tagged = FileTag { tag, stale };
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(file, KnownTag { stamps, file: tagged.clone() });
        Some(tagged)
    }

    /// The file under the app's directory that answers `path`, as the file service
    /// finds it; `None` for a redirect, an encoded or a climbing path.
    fn file_for(&self, path: &str) -> Option<PathBuf> {
        if path.contains('%') || path.contains('\\') {
            return None;
        }
        let relative = Path::new(path.trim_start_matches('/'));
        if !relative.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
            return None;
        }
        let mut file = self.dir.join(relative);
        if file.is_dir() {
            // A directory is answered by its `index.html`, asked for with a slash
            // at the end; without one, by a redirect.
            if !path.ends_with('/') {
                return None;
            }
            file.push("index.html");
        }
        if file.is_file() { Some(file) } else { Some(self.dir.join("index.html")) }
    }
}

/// Answers 304 to a `GET` or `HEAD` whose `If-None-Match` names the file's tag as it is
/// now; otherwise lets the file service answer, without the date condition (a browser
/// sending both means the tag; RFC 9110 §13.1.3), and tags its 200 or 206.
///
/// A range asked for `If-Range` (a browser finishing a download cut off, say by a
/// village's signal) is sent only while the file is the one the browser holds the start
/// of; otherwise the whole file is (RFC 9110 §13.1.5). The file service ignores
/// `If-Range`, and would send the rest of a new build's file to be joined to the start
/// of the old one's.
async fn answer_by_content_tag(
    State(tags): State<ContentTags>,
    mut req: Request,
    next: Next,
) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    // The date a range is asked `If-Range`. A tag matches only strongly there, and these
    // tags are weak: the range is dropped at once.
    let if_range = req.headers().get(RANGE).and(req.headers().get(IF_RANGE)).cloned();
    let if_range_date = match if_range {
        Some(validator) if is_entity_tag(&validator) => {
            req.headers_mut().remove(RANGE);
            None
        }
        date => date,
    };
    let path = req.uri().path().to_owned();
    let tagged = tokio::task::spawn_blocking(move || tags.for_path(&path)).await.ok().flatten();
    let Some(FileTag { tag, stale }) = tagged else {
        return send_range_if_unchanged(req, next, if_range_date).await;
    };
    if !stale.is_empty() {
        refuse_encodings(&mut req, &stale);
    }
    if let Some(asked) = req.headers().get(IF_NONE_MATCH) {
        if names_tag(asked, &tag) {
            return (StatusCode::NOT_MODIFIED, [(ETAG, tag)]).into_response();
        }
        req.headers_mut().remove(IF_MODIFIED_SINCE);
    }
    let mut res = send_range_if_unchanged(req, next, if_range_date).await;
    if matches!(res.status(), StatusCode::OK | StatusCode::PARTIAL_CONTENT) {
        res.headers_mut().insert(ETAG, tag);
    }
    res
}

/// The file service's answer to `req`, but the whole file when `req` asks for a range
/// `If-Range` a date (`if_range_date`) that is not the date of the file sent
/// (`Last-Modified`, exactly).
async fn send_range_if_unchanged(
    req: Request,
    next: Next,
    if_range_date: Option<HeaderValue>,
) -> Response {
    let Some(date) = if_range_date else { return next.run(req).await };
    let (mut parts, body) = req.into_parts();
    let res = next.clone().run(Request::from_parts(parts.clone(), Body::empty())).await;
    if res.status() != StatusCode::PARTIAL_CONTENT
        || res.headers().get(LAST_MODIFIED) == Some(&date)
    {
        return res;
    }
    parts.headers.remove(RANGE);
    next.run(Request::from_parts(parts, body)).await
}

/// Whether `copy`, compressed in `encoding` (`br` or `gzip`), holds `content`. Read no
/// further than one byte past `content`'s length, whatever the copy would expand to.
fn holds(encoding: &str, copy: &[u8], content: &[u8]) -> bool {
    use std::io::Read;
    let limit = content.len() as u64 + 1;
    let mut expanded = Vec::with_capacity(content.len());
    let read = match encoding {
        "br" => brotli::Decompressor::new(copy, 4096).take(limit).read_to_end(&mut expanded),
        _ => flate2::read::GzDecoder::new(copy).take(limit).read_to_end(&mut expanded),
    };
    read.is_ok() && expanded == content
}

/// Takes the encodings `stale` out of the request's `Accept-Encoding`, so the file
/// service sends the file itself, or another copy, rather than a stale one.
fn refuse_encodings(req: &mut Request, stale: &[&str]) {
    let Some(accepted) = req.headers().get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let kept: Vec<&str> = accepted
        .split(',')
        .filter(|one| {
            let coding = one.split(';').next().unwrap_or_default().trim();
            !stale.iter().any(|s| coding.eq_ignore_ascii_case(s))
        })
        .collect();
    match HeaderValue::from_str(kept.join(",").trim()) {
        Ok(v) if !kept.is_empty() => {
            req.headers_mut().insert(ACCEPT_ENCODING, v);
        }
        _ => {
            req.headers_mut().remove(ACCEPT_ENCODING);
        }
    }
}

/// Whether an `If-Range` value is an entity tag (otherwise it is a date).
fn is_entity_tag(validator: &HeaderValue) -> bool {
    let v = validator.as_bytes();
    v.starts_with(b"\"") || v.starts_with(b"W/")
}

/// Whether an `If-None-Match` value names `tag`, compared weakly (`W/` ignored), or is `*`.
fn names_tag(asked: &HeaderValue, tag: &HeaderValue) -> bool {
    fn opaque(tag: &str) -> &str {
        tag.trim().trim_start_matches("W/")
    }
    let Ok(asked) = asked.to_str() else { return false };
    let Ok(tag) = tag.to_str() else { return false };
    asked.trim() == "*" || asked.split(',').any(|one| opaque(one) == opaque(tag))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn tags_over(dir: &Path) -> ContentTags {
        ContentTags { dir: dir.to_owned(), known: Arc::default() }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// No request path, however made up, is tagged from a file outside the app's
        /// directory: `..`, encoded and backslashed paths are left to the file service.
        #[test]
        fn no_path_reaches_outside_the_web_directory(
            parts in prop::collection::vec(
                prop_oneof![
                    4 => Just("..".to_owned()),
                    3 => Just("secret.txt".to_owned()),
                    1 => Just(".".to_owned()),
                    1 => Just(String::new()),
                    1 => Just("%2e%2e".to_owned()),
                    1 => Just("..\\..".to_owned()),
                    1 => Just("app".to_owned()),
                    1 => Just("index.html".to_owned()),
                    1 => "[a-z.]{1,6}",
                    1 => any::<String>(),
                ],
                0..6,
            ),
            slash_at_end in any::<bool>(),
        ) {
            let root = tempfile::tempdir().unwrap();
            let web = root.path().join("web");
            std::fs::create_dir_all(web.join("app")).unwrap();
            std::fs::write(web.join("index.html"), "<html>").unwrap();
            std::fs::write(web.join("app").join("index.html"), "<html>app").unwrap();
            std::fs::write(root.path().join("secret.txt"), "secret").unwrap();
            let mut path = format!("/{}", parts.join("/"));
            if slash_at_end {
                path.push('/');
            }
            let tags = tags_over(&web);
            if let Some(file) = tags.file_for(&path) {
                prop_assert!(file.is_file(), "{path:?} → {file:?}");
                let (file, web) = (file.canonicalize().unwrap(), web.canonicalize().unwrap());
                prop_assert!(file.starts_with(&web), "{path:?} → {file:?}");
            }
            // Tagging any path never fails loudly either.
            let _ = tags.for_path(&path);
        }

        /// Any bytes named a copy are read without a panic and without expanding past
        /// the file; a copy holds a file exactly when it expands to the file's bytes.
        #[test]
        fn a_copy_holds_its_file_only_when_it_expands_to_it(
            content in prop::collection::vec(any::<u8>(), 0..2000),
            other in prop::collection::vec(any::<u8>(), 0..200),
            junk in prop::collection::vec(any::<u8>(), 0..400),
        ) {
            use std::io::Write;
            let mut br = Vec::new();
            let params = brotli::enc::BrotliEncoderParams::default();
            brotli::BrotliCompress(&mut &content[..], &mut br, &params).unwrap();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&content).unwrap();
            let gz = gz.finish().unwrap();
            prop_assert!(holds("br", &br, &content));
            prop_assert!(holds("gzip", &gz, &content));
            prop_assert_eq!(holds("br", &br, &other), content == other);
            prop_assert_eq!(holds("gzip", &gz, &other), content == other);
            // A file cut short is not held by the copy of the whole.
            if !content.is_empty() {
                prop_assert!(!holds("br", &br, &content[..content.len() - 1]));
            }
            let _ = holds("br", &junk, &content);
            let _ = holds("gzip", &junk, &content);
        }
    }

    /// The encodings of a stale copy leave `Accept-Encoding`, whatever their case,
    /// weight or spacing; the others stay; with none left, the header goes.
    #[test]
    fn a_stale_copy_s_encoding_is_taken_out_of_what_the_browser_accepts() {
        for (accepted, stale, left) in [
            ("gzip, deflate, br", &["br"][..], Some("gzip, deflate")),
            ("br;q=1.0, gzip;q=0.8", &["br"][..], Some("gzip;q=0.8")),
            ("BR, GZip", &["br", "gzip"][..], None),
            ("br", &["gzip"][..], Some("br")),
            ("gzip , br ; q=0.5", &["br"][..], Some("gzip")),
        ] {
            let mut req = Request::get("/app.js")
                .header(ACCEPT_ENCODING, accepted)
                .body(Body::empty())
                .unwrap();
            refuse_encodings(&mut req, stale);
            let now = req.headers().get(ACCEPT_ENCODING).map(|v| v.to_str().unwrap().trim());
            assert_eq!(now, left, "{accepted} without {stale:?}");
        }
    }

    #[test]
    fn climbing_paths_are_left_to_the_file_service() {
        let root = tempfile::tempdir().unwrap();
        let web = root.path().join("web");
        std::fs::create_dir_all(web.join("app")).unwrap();
        std::fs::write(web.join("index.html"), "<html>").unwrap();
        std::fs::write(root.path().join("secret.txt"), "secret").unwrap();
        let tags = tags_over(&web);
        for path in
            ["/../secret.txt", "/app/../../secret.txt", "/./../secret.txt", "/..%2fsecret.txt"]
        {
            assert_eq!(tags.file_for(path), None, "{path}");
        }
        assert_eq!(tags.file_for("/app/"), Some(web.join("index.html")), "no app/index.html");
        assert_eq!(tags.file_for("/app"), None, "a redirect");
        assert_eq!(tags.file_for("/r/x"), Some(web.join("index.html")), "the fallback");
    }

    #[test]
    fn if_none_match_names_a_tag_weakly_in_a_list_or_by_star() {
        let tag = HeaderValue::from_static("W/\"abc\"");
        for (asked, names) in [
            ("W/\"abc\"", true),
            ("\"abc\"", true),
            ("\"x\", W/\"abc\"", true),
            ("*", true),
            ("\"abcd\"", false),
            ("", false),
        ] {
            assert_eq!(names_tag(&HeaderValue::from_static(asked), &tag), names, "{asked}");
        }
        let not_text = HeaderValue::from_bytes(b"\xff\"abc\"").unwrap();
        assert!(!names_tag(&not_text, &tag));
    }
}
