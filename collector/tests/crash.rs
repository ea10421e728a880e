//! Durability under a crash: the collector is killed with SIGKILL while clients are posting a
//! few thousand answers. After a restart, every answer that was acknowledged with a 201 must be
//! in the database exactly once, under the id the 201 gave; answers that were not acknowledged
//! can be sent again (as the widget's retries do) and are then stored once too.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

const ANSWERS: usize = 3000;
const KILL_AFTER: usize = 1000;
const CLIENTS: usize = 8;

const FORM: &str = r#"{"id":"avis","title":"Avis","questions":[
  {"id":"note","type":"smileys","label":"Note","required":true},
  {"id":"commentaire","type":"text","label":"Commentaire","max_length":100}]}"#;

fn start(config: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_voix-collector"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the collector");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the address line");
    let addr = line
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, addr)
}

fn submission_id(i: usize) -> String {
    format!("crash-test-{i:08}")
}

/// POSTs answer `i`; `Some(response id)` on a 201, `None` on anything else (refused, reset…).
fn post(addr: &str, i: usize) -> Option<String> {
    let body = format!(
        r#"{{"v":1,"id":"{}","answers":{{"note":"good","commentaire":"réponse {i}"}}}}"#,
        submission_id(i)
    );
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "POST /v1/forms/avis/responses HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    if !reply.starts_with("HTTP/1.1 201") {
        return None;
    }
    let json = reply.split("\r\n\r\n").nth(1)?;
    let id = json.split(r#""id":""#).nth(1)?.split('"').next()?;
    Some(id.to_owned())
}

/// `submission id → [response ids]` as stored, read with the collector's own `export`.
fn stored(config: &Path) -> BTreeMap<String, Vec<String>> {
    let out = Command::new(env!("CARGO_BIN_EXE_voix-collector"))
        .args(["export", "--form", "avis", "--format", "json", "--config"])
        .arg(config)
        .output()
        .expect("run export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("export is JSON");
    let mut by_submission: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows.as_array().expect("an array") {
        let sid = row["submission_id"]
            .as_str()
            .expect("submission id")
            .to_owned();
        let id = row["id"].as_str().expect("id").to_owned();
        by_submission.entry(sid).or_default().push(id);
    }
    by_submission
}

#[test]
fn every_acknowledged_answer_survives_sigkill_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("avis.json"), FORM).unwrap();
    let config = dir.path().join("voix.toml");
    // No rate limit: every request comes from 127.0.0.1.
    std::fs::write(
        &config,
        "forms = [\"avis.json\"]\ndatabase = \"voix.db\"\nrate_limit = { per_minute = 0 }\n",
    )
    .unwrap();

    let (mut child, addr) = start(&config);
    let next = Arc::new(AtomicUsize::new(0));
    let acked: Arc<Mutex<BTreeMap<usize, String>>> = Arc::default();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (next, acked, addr) = (next.clone(), acked.clone(), addr.clone());
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= ANSWERS {
                        break;
                    }
                    if let Some(id) = post(&addr, i) {
                        acked.lock().unwrap().insert(i, id);
                    }
                }
            })
        })
        .collect();
    // Kill once enough answers were acknowledged, while the clients are still sending.
    let mut waited = 0;
    while acked.lock().unwrap().len() < KILL_AFTER {
        assert!(
            waited < 6000,
            "the collector acknowledged too few answers to test"
        );
        std::thread::sleep(Duration::from_millis(10));
        waited += 1;
    }
    child.kill().expect("SIGKILL the collector");
    child.wait().unwrap();
    for c in clients {
        c.join().unwrap();
    }
    let acked = Arc::try_unwrap(acked).unwrap().into_inner().unwrap();
    assert!(acked.len() >= KILL_AFTER);
    assert!(
        acked.len() < ANSWERS,
        "the kill happened after every answer was sent; nothing was tested"
    );

    // Every 201 is in the database, once, under the id it announced; nothing is there twice.
    let after_crash = stored(&config);
    for (i, id) in &acked {
        assert_eq!(
            after_crash.get(&submission_id(*i)),
            Some(&vec![id.clone()]),
            "answer {i} was acknowledged as {id}"
        );
    }
    assert!(after_crash.values().all(|ids| ids.len() == 1));

    // Restart and resend everything (what the widget's outbox does with unconfirmed answers):
    // the acknowledged ones are recognised, the others stored; every answer exactly once.
    let (mut child, addr) = start(&config);
    for i in 0..ANSWERS {
        let id = post(&addr, i).unwrap_or_else(|| panic!("answer {i} refused after restart"));
        if let Some(first) = acked.get(&i) {
            assert_eq!(&id, first, "a retry of answer {i} must get its first id");
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let all = stored(&config);
    assert_eq!(all.len(), ANSWERS);
    assert!(all.values().all(|ids| ids.len() == 1));
    eprintln!(
        "crash test: {} of {ANSWERS} answers acknowledged before SIGKILL, all found once; \
         {} stored before the crash in all",
        acked.len(),
        after_crash.len()
    );
}
