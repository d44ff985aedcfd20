//! Issue 16, critical: hostile files through every import path (console question import,
//! console unit import, `thiluat contest import`) while a round is being played on the same
//! server. The server is a real `thiluat serve` process, so that its PID and RSS are its own;
//! it runs under a 4 GiB address-space limit, so that a regression (the old reader allocated
//! the dense range of a sheet and grew to all the machine's memory) fails this test instead
//! of eating the test machine.

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

use crate::admin::bank_of;
use crate::helpers::*;
use crate::hostile_files::{self, Hostile};
use crate::server_process::ServerProcess;

const SERVER_ADDRESS_SPACE: u64 = 4 << 30;
const RSS_MARGIN: u64 = 200 << 20;

/// The server and the CLI run under an address-space limit: a regression (the old reader
/// allocating a whole sheet range) then fails the test instead of eating the test machine.
fn limit_address_space(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only setrlimit between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: SERVER_ADDRESS_SPACE, rlim_max: SERVER_ADDRESS_SPACE };
            match libc::setrlimit(libc::RLIMIT_AS, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
}

fn rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}

struct Session {
    cookie: String,
    csrf: String,
}

fn client() -> awc::Client {
    awc::Client::builder().timeout(Duration::from_secs(120)).finish()
}

async fn login(server: &ServerProcess, email: &str) -> Session {
    let mut res = client()
        .post(server.url("/api/admin/login"))
        .send_json(&json!({"email": email, "password": "mật khẩu rất dài 1"}))
        .await
        .expect("sent");
    let cookie = res.cookie("thiluat_session").expect("session cookie").value().to_string();
    let body: Value = res.json().await.expect("json");
    Session { cookie, csrf: body["csrf_token"].as_str().expect("csrf").to_string() }
}

/// POSTs `body` as admin; a connection the server closes before reading a refused body whole
/// comes back as status 0.
async fn post(server: &ServerProcess, who: &Session, path: &str, body: Vec<u8>, lang: &str) -> (u16, Value) {
    let sent = client()
        .post(server.url(path))
        .insert_header(("cookie", format!("thiluat_session={}", who.cookie)))
        .insert_header(("x-csrf-token", who.csrf.clone()))
        .insert_header(("accept-language", lang))
        .send_body(body)
        .await;
    match sent {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let bytes = res.body().limit(1 << 20).await.unwrap_or_default();
            (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            (0, Value::Null)
        }
    }
}

/// One participant playing attempt after attempt over the websocket until `stop`; counts
/// acknowledged answers in `acks`, the slowest acknowledgement in `slowest` (ms).
async fn play(
    server_port: u16,
    token: String,
    round: i64,
    stop: Rc<Cell<bool>>,
    acks: Rc<Cell<u64>>,
    slowest: Rc<Cell<u64>>,
) {
    let (_, mut ws) = awc::Client::default()
        .ws(format!("http://127.0.0.1:{server_port}/ws?token={token}"))
        .max_frame_size(1 << 20)
        .connect()
        .await
        .expect("websocket connects");
    let mut partial: Vec<u8> = Vec::new();
    let mut seq = 0;
    while !stop.get() {
        ws.send(awc::ws::Message::Text(
            json!({"type": "start", "round_id": round, "request_id": uuid::Uuid::new_v4().to_string()})
                .to_string()
                .into(),
        ))
        .await
        .expect("sent");
        let snap = recv(&mut ws, &mut partial, "snapshot").await;
        assert_eq!(snap["type"], "snapshot", "{snap}");
        for (qid, options) in questions(&snap) {
            seq += 1;
            let asked = Instant::now();
            let answer = json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"], "question_id": qid, "options": [options[0]], "seq": seq});
            ws.send(awc::ws::Message::Text(answer.to_string().into())).await.expect("sent");
            let ack = recv(&mut ws, &mut partial, "ack").await;
            assert_eq!((ack["type"].as_str(), ack["status"].as_str()), (Some("ack"), Some("saved")), "{ack}");
            acks.set(acks.get() + 1);
            slowest.set(slowest.get().max(asked.elapsed().as_millis() as u64));
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        let submit = json!({"type": "submit", "round_id": round, "attempt_id": snap["attempt_id"], "prediction": 1});
        ws.send(awc::ws::Message::Text(submit.to_string().into())).await.expect("sent");
        let result = recv(&mut ws, &mut partial, "result").await;
        assert_eq!(result["type"], "result", "{result}");
    }
}

type Socket = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

/// The next message of type `want` (or an error), fragments joined, other messages skipped.
async fn recv(ws: &mut Socket, partial: &mut Vec<u8>, want: &str) -> Value {
    use actix_ws::Item;
    use awc::ws::Frame;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(15), ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {want} within 15 s"))
            .expect("socket open")
            .expect("valid frame");
        let bytes = match frame {
            Frame::Text(b) => b.to_vec(),
            Frame::Continuation(Item::FirstText(b)) | Frame::Continuation(Item::Continue(b)) => {
                partial.extend_from_slice(&b);
                continue;
            }
            Frame::Continuation(Item::Last(b)) => {
                partial.extend_from_slice(&b);
                std::mem::take(partial)
            }
            Frame::Close(reason) => panic!("socket closed: {reason:?}"),
            _ => continue,
        };
        let v: Value = serde_json::from_slice(&bytes).expect("JSON frame");
        if v["type"] == want || v["type"] == "error" {
            return v;
        }
    }
}

async fn database_state(app: &TestApp) -> (i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM questions), (SELECT count(*) FROM units), (SELECT count(*) FROM contests), \
         (SELECT count(*) FROM audit_log)",
    )
    .fetch_one(&app.pg)
    .await
    .expect("counts")
}

/// `thiluat contest import` of the test contest with `bank` as its question bank.
fn cli_import(app: &TestApp, bank: &std::path::Path) -> std::process::Output {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let definition = std::fs::read_to_string(fixtures.join("contest.toml"))
        .expect("fixture")
        .replace("slug = \"test-contest\"", "slug = \"hostile-cli\"")
        .replace("\"questions.csv\"", &format!("{:?}", bank.display().to_string()))
        .replace("\"rules.md\"", &format!("{:?}", fixtures.join("rules.md").display().to_string()))
        .replace("\"consent.md\"", &format!("{:?}", fixtures.join("consent.md").display().to_string()));
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hostile-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("contest.toml");
    std::fs::write(&file, definition).expect("definition");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_thiluat"));
    cmd.args(["contest", "import"])
        .arg(&file)
        .env("DATABASE_URL", &app.shared.db_url)
        .env("REDIS_URL", redis_url())
        .env("THILUAT_SECRET", &app.shared.secret);
    limit_address_space(&mut cmd);
    let out = cmd.output().expect("thiluat contest import runs");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[actix_web::test]
async fn hostile_files_through_every_import_path_while_a_round_is_played() {
    let files: &[Hostile] = hostile_files::all();
    let folder = hostile_files::write_folder(files);
    let app = spawn_app().await;
    let mut server = ServerProcess::start_with(&app.shared, 2, |cmd| {
        cmd.env("THILUAT_HTTP_WS_MESSAGES_PER_MINUTE", "100000");
        limit_address_space(cmd);
    })
    .await;
    let pid = server.child.id();
    let (org, email) = app.org_with_admin("hostile").await;
    let admin = login(&server, &email).await;
    let (status, created) = {
        let mut res = client()
            .post(server.url(&format!("/api/admin/orgs/{org}/contests")))
            .insert_header(("cookie", format!("thiluat_session={}", admin.cookie)))
            .insert_header(("x-csrf-token", admin.csrf.clone()))
            .send_json(&json!({"slug": "hostile-units", "title": "Tệp độc hại", "organiser": "Sở Tư pháp", "cccd_required": false}))
            .await
            .expect("sent");
        (res.status().as_u16(), res.json::<Value>().await.expect("json"))
    };
    assert_eq!(status, 201, "{created}");
    let contest = created["id"].as_i64().expect("id");
    let questions_path = format!("/api/admin/orgs/{org}/questions/import");
    let units_path = format!("/api/admin/contests/{contest}/units");

    // A round being played on the same server.
    let round = app.round_ids[1];
    let stop = Rc::new(Cell::new(false));
    let acks = Rc::new(Cell::new(0u64));
    let slowest = Rc::new(Cell::new(0u64));
    let mut players = Vec::new();
    for _ in 0..4 {
        let p = app.participant().await;
        players.push(actix_web::rt::spawn(play(
            server.port,
            p.token,
            round,
            stop.clone(),
            acks.clone(),
            slowest.clone(),
        )));
    }
    // Good files first: the paths work, and the server has warmed up before its baseline.
    let bank = thiluat::contest::bank::to_xlsx(&bank_of(30)).expect("xlsx");
    let (status, body) = post(&server, &admin, &questions_path, bank, "vi").await;
    assert_eq!((status, body["created"].as_i64()), (200, Some(30)), "{body}");
    let units = "code,name,parent_code,kind,headcount\nSTP,Sở Tư pháp,,agency,120\n".as_bytes().to_vec();
    let (status, body) = post(&server, &admin, &units_path, units, "vi").await;
    assert_eq!((status, body["imported"].as_i64()), (200, Some(1)), "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(acks.get() > 0, "the round is being played");

    let baseline = rss_of(pid);
    let peak = Rc::new(Cell::new(baseline));
    let sampling = Rc::new(Cell::new(true));
    let sampler = actix_web::rt::spawn({
        let (peak, sampling) = (peak.clone(), sampling.clone());
        async move {
            while sampling.get() {
                peak.set(peak.get().max(rss_of(pid)));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
    let before = database_state(&app).await;
    let acks_before = acks.get();
    let mut problems = Vec::new();
    for f in files {
        let expected_status = if f.limit == "bytes" { 413 } else { 422 };
        let mut english = String::new();
        for (path, lang) in [(&questions_path, "en"), (&units_path, "vi")] {
            let (status, body) = post(&server, &admin, path, f.bytes.clone(), lang).await;
            let limit = body["error"]["details"]["limit"].as_str().unwrap_or_default();
            let message = body["error"]["details"]["rows"][0]["message"].as_str().unwrap_or_default();
            if (status, limit) != (expected_status, f.limit) || message.is_empty() {
                problems.push(format!("{} via {path}: {status} {body}", f.name));
            }
            if lang == "en" {
                english = message.to_string();
            }
        }
        let out = cli_import(&app, &folder.join(f.name));
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() || !stderr.contains("nothing was imported") || !stderr.contains(&english) {
            problems.push(format!("{} via thiluat contest import: {:?} {stderr}", f.name, out.status));
        }
        println!("{:<40} refused ({}): {english}", f.name, f.limit);
    }
    // Many at once: at most two children read at a time, the others wait their turn (or get
    // 429 after waiting too long); none is a 5xx, none reaches the database.
    let heavy = files.iter().find(|f| f.name == "million-shared-strings.xlsx").expect("the heaviest to read");
    let burst = futures_util::future::join_all((0..8).map(|i| {
        let path = if i % 2 == 0 { &questions_path } else { &units_path };
        post(&server, &admin, path, heavy.bytes.clone(), "vi")
    }))
    .await;
    for (status, body) in &burst {
        let limit = body["error"]["details"]["limit"].as_str();
        if !matches!((status, limit), (422, Some("shared_strings")) | (429, Some("busy"))) {
            problems.push(format!("burst: {status} {body}"));
        }
    }
    sampling.set(false);
    sampler.await.expect("sampler");
    let acks_during = acks.get() - acks_before;
    stop.set(true);
    for p in players {
        p.await.expect("a player kept playing: every answer acknowledged");
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(server.alive(), "the server is still running");
    assert_eq!(server.child.id(), pid);
    assert_eq!(database_state(&app).await, before, "nothing changed in the database");
    assert!(acks_during > 0, "answers were acknowledged while the files were read");
    let grown = peak.get().saturating_sub(baseline);
    println!(
        "RSS baseline {} MiB, peak {} MiB; {acks_during} answers acknowledged meanwhile, slowest {} ms",
        baseline >> 20,
        peak.get() >> 20,
        slowest.get()
    );
    assert!(grown <= RSS_MARGIN, "the server grew by {} MiB", grown >> 20);
    let (status, _) = {
        let res = client().get(server.url("/healthz")).send().await.expect("health");
        (res.status().as_u16(), ())
    };
    assert_eq!(status, 200);
}
