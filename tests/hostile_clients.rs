//! `tianye serve` against hostile clients, as an attacker with one team link or with
//! none would try it: tokenless uploads that trickle their body, crowds of connections
//! under a low file limit, framing and script injection through the server's own pages,
//! and files reached through the web folder. Each test is bounded in count and time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tianye_tests::server::{
    Server, client, fixture_forms, household_response, new_instance_id, team_token, temp_dir,
    upload,
};

/// The head of an upload that announces a body of `length` bytes, with `auth` (a whole
/// header line, or nothing).
fn upload_head(addr: &str, length: usize, auth: &str) -> String {
    format!(
        "POST /api/v1/submissions HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// Reads what the server sends until it closes the connection or `limit` passes:
/// (what came, whether the connection was closed).
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

/// Sends a space a second on `stream` until the server closes it, for at most `limit`:
/// (what the server sent, whether it closed the connection).
fn trickle_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let start = Instant::now();
    let mut answer = String::new();
    while start.elapsed() < limit {
        let _ = stream.write_all(b" ");
        let (got, closed) = read_until_closed(stream, Duration::from_secs(1));
        answer.push_str(&got);
        if closed {
            return (answer, true);
        }
    }
    (answer, false)
}

/// The JSON body of a whole HTTP answer.
fn json_body(answer: &str) -> Value {
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

/// An upload without a valid token is refused from its headers: the server reads at
/// most a short, bounded part of the body, answers 401 (or 403) and closes the
/// connection, whatever length the client announced and however slowly it sends. A
/// phone whose link was revoked, sending its small response at once, reads the answer
/// whole. An upload with a valid token that trickles its body is given up too.
#[test]
fn uploads_without_a_valid_token_are_refused_before_their_body() {
    let data = temp_dir("tianye-hostile-auth");
    let forms = fixture_forms();
    let server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
    let token = team_token(data.path(), "石门一队");
    let addr = server.addr().to_owned();

    // A megabyte announced is refused at once; 50 kB, after the little the client sends
    // in its first 2 s.
    for (what, auth, code, length) in [
        ("no token", String::new(), "auth.missing_token", 1_000_000),
        ("no token", String::new(), "auth.missing_token", 50_000),
        (
            "unknown token",
            "Authorization: Bearer not-a-token\r\n".to_owned(),
            "auth.unknown_token",
            50_000,
        ),
    ] {
        let mut stream = TcpStream::connect(&addr).unwrap();
        let start = Instant::now();
        stream.write_all(upload_head(&addr, length, &auth).as_bytes()).unwrap();
        stream.write_all(b"{").unwrap();
        // A byte a second: the server must not wait for the announced megabyte.
        let (answer, closed) = trickle_until_closed(&mut stream, Duration::from_secs(20));
        let waited = start.elapsed();
        assert!(closed, "{what}: the connection was kept reading for {waited:?}");
        assert!(waited < Duration::from_secs(8), "{what} {length}: refused after {waited:?}");
        assert!(answer.starts_with("HTTP/1.1 401"), "{what}: {answer}");
        assert!(answer.to_ascii_lowercase().contains("connection: close"), "{what}: {answer}");
        assert_eq!(json_body(&answer)["code"], code, "{what}");
    }

    // A revoked link's phone sends its small response at once and reads the whole 401.
    let body = household_response(&new_instance_id(), "1", 3).to_string();
    let agent = client();
    let (status, _) = upload(&agent, &server.url, Some(&token), &body);
    assert_eq!(status, 201);
    let (code, out, err) = tianye_tests::server::tianye(&[
        "token",
        "revoke",
        "--data",
        data.path().to_str().unwrap(),
        "--team",
        "石门一队",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let again = household_response(&new_instance_id(), "1", 3).to_string();
    let (status, refused) = upload(&client(), &server.url, Some(&token), &again);
    assert_eq!((status, refused["code"].as_str()), (401, Some("auth.revoked_token")));

    // With a valid token, a body that trickles is given up once it falls behind the
    // least rate (1 KiB a second after 10 s), not held for as long as it trickles.
    let token = team_token(data.path(), "石门二队");
    let mut stream = TcpStream::connect(&addr).unwrap();
    let start = Instant::now();
    let auth = format!("Authorization: Bearer {token}\r\n");
    stream.write_all(upload_head(&addr, 5000, &auth).as_bytes()).unwrap();
    let (answer, closed) = trickle_until_closed(&mut stream, Duration::from_secs(40));
    let waited = start.elapsed();
    assert!(closed, "the connection was kept reading for {waited:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "after {waited:?}: {answer}");
    assert_eq!(json_body(&answer)["code"], "request.too_slow");
    assert!(waited >= Duration::from_secs(9) && waited < Duration::from_secs(20), "{waited:?}");
}

/// A connection to `addr`, or `None` after a short pause when none is made within 2 s
/// (the server's queue is full): the attacker tries again.
fn connect_soon(addr: &str) -> Option<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(2));
    if stream.is_err() {
        std::thread::sleep(Duration::from_millis(100));
    }
    stream.ok()
}

/// One attacker's connections, until `stop`: each announces `length` bytes with no
/// token and sends a byte every 10 s; when the server closes it, another is opened at
/// once.
fn slow_tokenless_client(
    addr: String,
    length: usize,
    stop: Arc<AtomicBool>,
    opened: Arc<AtomicUsize>,
) {
    while !stop.load(Ordering::Relaxed) {
        let Some(mut stream) = connect_soon(&addr) else { continue };
        opened.fetch_add(1, Ordering::Relaxed);
        if stream.write_all(upload_head(&addr, length, "").as_bytes()).is_err() {
            continue;
        }
        while !stop.load(Ordering::Relaxed) {
            if stream.write_all(b" ").is_err() {
                break;
            }
            let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(10));
            if closed {
                break;
            }
        }
    }
}

/// One attacker's connections that send nothing at all, each reopened when closed.
fn silent_client(addr: String, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let Some(mut stream) = connect_soon(&addr) else { continue };
        while !stop.load(Ordering::Relaxed) {
            let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(1));
            if closed {
                break;
            }
        }
    }
}

/// Under `ulimit -n 256`, 300 clients with no token that announce a megabyte or 60 kB
/// and send a byte every 10 s, and 100 that connect and send nothing, each reconnecting as soon
/// as it is closed, do not keep the server from its own clients: every upload and list
/// request of a team's phone, each on a new connection, is answered, and the server
/// never runs out of files.
#[test]
fn a_crowd_of_slow_and_silent_clients_does_not_starve_the_server() {
    let data = temp_dir("tianye-hostile-crowd");
    let forms = fixture_forms();
    let server =
        Server::start_after("ulimit -n 256", data.path(), &["--forms", forms.to_str().unwrap()]);
    assert!(server.banner.contains("connections at once: 192"), "{}", server.banner);
    let token = team_token(data.path(), "石门一队");
    let addr = server.addr().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let opened = Arc::new(AtomicUsize::new(0));
    let mut attackers = Vec::new();
    for n in 0..300 {
        let (addr, stop, opened) = (addr.clone(), stop.clone(), opened.clone());
        // Half announce a megabyte (refused at once), half 60 kB (read for 2 s).
        let length = if n % 2 == 0 { 1_000_000 } else { 60_000 };
        attackers
            .push(std::thread::spawn(move || slow_tokenless_client(addr, length, stop, opened)));
    }
    for _ in 0..100 {
        let (addr, stop) = (addr.clone(), stop.clone());
        attackers.push(std::thread::spawn(move || silent_client(addr, stop)));
    }
    std::thread::sleep(Duration::from_secs(3));

    let answered = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        let began = Instant::now();
        // A phone after a pause: a new connection for each request.
        let phone = client();
        let body = household_response(&new_instance_id(), "1", 2).to_string();
        let outcome = tianye_tests::server::try_upload(&phone, &server.url, Some(&token), &body);
        let listed =
            phone.get(server.at("/api/v1/questionnaires")).call().map(|r| r.status().as_u16());
        answered.lock().unwrap().push((began.elapsed(), outcome.map(|(s, _)| s), listed));
        std::thread::sleep(Duration::from_millis(200));
    }
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.join().unwrap();
    }
    let answered = answered.lock().unwrap();
    let mut times: Vec<Duration> = answered.iter().map(|(t, _, _)| *t).collect();
    times.sort();
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    for (took, uploaded, listed) in answered.iter() {
        assert_eq!(uploaded.as_ref().ok(), Some(&201), "after {took:?}: {uploaded:?}");
        assert_eq!(listed.as_ref().ok(), Some(&200), "after {took:?}: {listed:?}");
    }
    assert!(answered.len() >= 5, "only {} uploads in 15 s", answered.len());
    assert!(p99 < Duration::from_secs(10), "p99 {p99:?} of {times:?}");
    assert!(
        opened.load(Ordering::Relaxed) > 300,
        "the slow clients were not cut off and reconnected"
    );
    let said = server.stderr();
    assert!(!said.contains("Too many open files"), "{said}");
}

/// A web folder with the app's page, a dotfile, a dot-folder, and links to the data
/// folder, the database and a system file.
fn web_folder_with_traps(root: &Path, data: &Path) -> std::path::PathBuf {
    let web = root.join("web");
    std::fs::create_dir_all(web.join(".git")).unwrap();
    std::fs::create_dir_all(web.join("app")).unwrap();
    std::fs::write(web.join("index.html"), "<!doctype html><title>app</title>").unwrap();
    std::fs::write(web.join("app.js"), "export const app = 1;").unwrap();
    std::fs::write(web.join(".env"), "SECRET=dotfile").unwrap();
    std::fs::write(web.join(".git").join("config"), "[core] secret-config").unwrap();
    std::fs::write(root.join("outside.txt"), "outside the web folder").unwrap();
    std::os::unix::fs::symlink(data, web.join("data")).unwrap();
    std::os::unix::fs::symlink(data.join("tianye.sqlite3"), web.join("db.sqlite3")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", web.join("passwd")).unwrap();
    std::os::unix::fs::symlink(root.join("outside.txt"), web.join("app").join("notes.txt"))
        .unwrap();
    // A compressed copy that is a link: sent in the file's place, it must not be.
    std::fs::write(web.join("page.js"), "export const page = 1;").unwrap();
    std::os::unix::fs::symlink(root.join("outside.txt"), web.join("page.js.gz")).unwrap();
    web
}

/// With `--web DIR`, nothing outside DIR is ever sent, through links or otherwise, and
/// no dotfile is: each trap answers 404 and its content never leaves the server.
#[test]
fn the_web_folder_serves_no_dotfiles_and_nothing_through_links() {
    let root = temp_dir("tianye-hostile-web");
    let data = root.path().join("data");
    let forms = fixture_forms();
    let web = web_folder_with_traps(root.path(), &data);
    let server =
        Server::start(&data, &["--forms", forms.to_str().unwrap(), "--web", web.to_str().unwrap()]);
    let agent = client();
    let fetch = |path: &str, encoding: Option<&str>| {
        let mut req = agent.get(server.at(path));
        if let Some(e) = encoding {
            req = req.header("Accept-Encoding", e);
        }
        let mut res = req.call().unwrap();
        let status = res.status().as_u16();
        (status, res.body_mut().read_to_vec().unwrap())
    };
    let (status, body) = fetch("/app.js", None);
    assert_eq!((status, body.as_slice()), (200, b"export const app = 1;".as_slice()));
    for path in [
        "/.env",
        "/.git/config",
        "/%2eenv",
        "/%2Egit/config",
        "/data/tianye.sqlite3",
        "/data/tianye.sqlite3-wal",
        "/db.sqlite3",
        "/%64b.sqlite3",
        "/passwd",
        "/app/notes.txt",
        "/data/",
    ] {
        let (status, body) = fetch(path, None);
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, 404, "{path}: {text}");
        for secret in
            ["SECRET", "secret-config", "SQLite format", "root:", "outside the web folder"]
        {
            assert!(!text.contains(secret), "{path} sent {secret}: {text}");
        }
    }
    let (status, body) = fetch("/page.js", Some("gzip"));
    assert_eq!(status, 404, "a linked copy: {}", String::from_utf8_lossy(&body));
    // The app's own page still answers paths that name no file.
    let (status, body) = fetch("/some/route", None);
    assert_eq!((status, String::from_utf8_lossy(&body).contains("<title>app")), (200, true));
}

/// The value of header `name` in `res`, or "" when absent.
fn header(res: &ureq::http::Response<ureq::Body>, name: &str) -> String {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Every kind of answer carries `nosniff` and `no-referrer`; the app's pages a policy
/// with no inline script, framed only by this site and the origins named; the admin
/// page a policy of its own files and no framing at all; the API nothing to run.
#[test]
fn every_answer_carries_security_headers() {
    let root = temp_dir("tianye-hostile-headers");
    let data = root.path().join("data");
    let forms = fixture_forms();
    let web = web_folder_with_traps(root.path(), &data);
    let web = web.to_str().unwrap();
    let forms = forms.to_str().unwrap();
    let agent = client();
    for (origins, framed_by) in [
        (&[][..], "frame-ancestors 'self'"),
        (
            &["--cors-origin", "https://portal.example.org"][..],
            "frame-ancestors 'self' https://portal.example.org",
        ),
        (&["--cors-origin", "*"][..], "frame-ancestors *"),
    ] {
        let mut args = vec!["--forms", forms, "--web", web];
        args.extend_from_slice(origins);
        let server = Server::start(&data, &args);
        for path in [
            "/",
            "/app.js",
            "/some/route",
            "/admin",
            "/admin.js",
            "/admin.css",
            "/api/v1/questionnaires",
            "/api/nothing",
        ] {
            let res = agent
                .get(server.at(path))
                .header("User-Agent", "Mozilla/5.0 Chrome/120.0 Safari/537.36")
                .call()
                .unwrap();
            assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
            assert_eq!(header(&res, "referrer-policy"), "no-referrer", "{path}");
            let policy = header(&res, "content-security-policy");
            let script =
                policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or("");
            assert!(
                !script.contains("unsafe-inline") && !script.contains("'unsafe-eval'"),
                "{path}: {policy}"
            );
            if path.starts_with("/admin") {
                assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
                assert!(policy.contains("script-src 'self'"), "{path}: {policy}");
                assert_eq!(header(&res, "x-frame-options"), "DENY", "{path}");
            } else if path.starts_with("/api") {
                assert!(policy.starts_with("default-src 'none'"), "{path}: {policy}");
            } else {
                assert!(
                    policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
                    "{path}: {policy}"
                );
                assert!(policy.contains("connect-src 'self'"), "{path}: {policy}");
                assert!(policy.ends_with(framed_by), "{origins:?} {path}: {policy}");
            }
        }
        // A browser too old for 'wasm-unsafe-eval' gets 'unsafe-eval', or the app
        // would not start on it.
        let old = "Mozilla/5.0 (Linux; Android 9) AppleWebKit/537.36 Chrome/86.0.4240.99 Mobile Safari/537.36";
        let res = agent.get(server.at("/")).header("User-Agent", old).call().unwrap();
        let policy = header(&res, "content-security-policy");
        assert!(policy.contains("script-src 'self' 'unsafe-eval';"), "{policy}");
        let vary: Vec<&str> =
            res.headers().get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect();
        assert!(vary.join(",").to_ascii_lowercase().contains("user-agent"), "{vary:?}");
    }
    // The admin page runs no inline script: its script is a file of its own.
    let server = Server::start(&data, &["--forms", forms]);
    let (status, page) = tianye_tests::server::get(&agent, &server.at("/admin"), None);
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("<script src=\"/admin.js\"></script>"), "{page}");
    assert!(!page.contains("<script>") && !page.contains("<style>"), "{page}");
}
