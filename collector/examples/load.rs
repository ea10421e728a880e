//! A load generator for `cargo xtask bench` and `cargo xtask soak`: `clients` connections, each
//! posting answers one after the other (HTTP/1.1 keep-alive, the widget's `text/plain` body with
//! a fresh idempotency id) to a running collector for `seconds` — as fast as it answers, or, with
//! a fifth argument, at a steady `rate` of answers per second in all — then one JSON line on
//! stdout:
//! `{"clients":…,"seconds":…,"ok":…,"errors":…,"per_second":…,"p50_ms":…,"p99_ms":…,"max_ms":…}`.
//! With `get`, each connection reads `path` instead (with the admin token if one is given), and
//! counts 200s. With `seed`, no HTTP at all: `count` answers of a fixed, varied shape are
//! written straight into the database of `database-url` for form `form` (one SQL statement,
//! after opening the store once to migrate it), for the results rows of the bench.
//!
//! Raw HTTP over `TcpStream` so the numbers are the collector's, not a client library's, and
//! the example needs nothing the collector does not already depend on.
//!
//! ```text
//! cargo run --release -p voix-collector --example load -- 127.0.0.1:8080 satisfaction 16 5
//! cargo run --release -p voix-collector --example load -- 127.0.0.1:8080 satisfaction 8 300 200
//! cargo run --release -p voix-collector --example load -- get 127.0.0.1:8080 /v1/forms/x/results 16 5 [token]
//! cargo run --release -p voix-collector --example load -- seed voix.db results 1000000
//! ```

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

/// The `responses` of the first results read (`get`), printed with the numbers.
static RESPONSES: AtomicU64 = AtomicU64::new(0);

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => return seed(&args[1..]).await,
        Some("get") => return get(&args[1..]).await,
        _ => {}
    }
    let (addr, form, clients, seconds, rate) = match args.as_slice() {
        [a, f, c, s] => (a, f, c, s, None),
        [a, f, c, s, r] => (a, f, c, s, Some(r)),
        _ => {
            eprintln!(
                "usage: load <host:port> <form id> <clients> <seconds> [answers per second]\n   \
                 or: load get <host:port> <path> <clients> <seconds> [admin token]\n   \
                 or: load seed <database url> <form id> <count>"
            );
            std::process::exit(2);
        }
    };
    let clients: usize = clients.parse().expect("clients: a whole number");
    let seconds: f64 = seconds.parse().expect("seconds: a number");
    // Each client's pause between two answers, for a steady total rate.
    let period = rate.map(|r| {
        let r: f64 = r.parse().expect("rate: a number");
        Duration::from_secs_f64(clients as f64 / r)
    });
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    // Seconds since the epoch: a different id prefix for every run against one database.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (addr, form) = (addr.clone(), form.clone());
        // Clients spread over one period, so the answers come evenly.
        let pace = period.map(|p| {
            let mut ticks = tokio::time::interval_at(
                tokio::time::Instant::now() + p.mul_f64(c as f64 / clients as f64),
                p,
            );
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks
        });
        tasks.push(tokio::spawn(async move {
            client(run, c, &addr, &form, deadline, pace).await
        }));
    }
    report(clients, started, tasks).await;
}

/// Waits for the clients and prints the JSON line.
async fn report(
    clients: usize,
    started: Instant,
    tasks: Vec<tokio::task::JoinHandle<(Vec<Duration>, u64)>>,
) {
    let mut latencies = Vec::new();
    let mut errors = 0u64;
    for t in tasks {
        let (l, e) = t.await.expect("a client task panicked");
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d: &Duration| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{{\"clients\":{clients},\"seconds\":{elapsed:.2},\"ok\":{},\"errors\":{errors},\
         \"per_second\":{:.0},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2},\
         \"responses\":{}}}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        RESPONSES.load(Ordering::Relaxed),
    );
}

/// `get <host:port> <path> <clients> <seconds> [token]`: reads `path` until the deadline.
async fn get(args: &[String]) {
    let (addr, path, clients, seconds, token) = match args {
        [a, p, c, s] => (a, p, c, s, None),
        [a, p, c, s, t] => (a, p, c, s, Some(t.clone())),
        _ => {
            eprintln!("usage: load get <host:port> <path> <clients> <seconds> [admin token]");
            std::process::exit(2);
        }
    };
    let clients: usize = clients.parse().expect("clients: a whole number");
    let seconds: f64 = seconds.parse().expect("seconds: a number");
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}\r\n");
    let tasks = (0..clients)
        .map(|_| {
            let (addr, request) = (addr.clone(), request.clone());
            tokio::spawn(async move { reader(&addr, request.as_bytes(), deadline).await })
        })
        .collect();
    report(clients, started, tasks).await;
}

/// One connection reading with `request` until `deadline` (see [`connection`]); the first
/// results read note how many responses they count.
async fn reader(addr: &str, request: &[u8], deadline: Instant) -> (Vec<Duration>, u64) {
    let mut first = true;
    connection(
        addr,
        deadline,
        None,
        200,
        |_| request.to_vec(),
        |body| {
            if std::mem::take(&mut first) {
                // Results say how many responses they count: printed, so the bench can check it
                // read a form of a million answers.
                let text = String::from_utf8_lossy(body);
                if let Some(at) = text.find("\"responses\":") {
                    let digits: String = text[at + 12..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    RESPONSES.store(digits.parse().unwrap_or(0), Ordering::Relaxed);
                }
            }
        },
    )
    .await
}

/// One keep-alive connection (opened again when it breaks) sending `request(i)` for the `i`th
/// request until `deadline`, at each tick of `pace` if any, else as fast as it is answered: the
/// latency of each answer with status `ok` (whose response is then given to `on_ok`), and how
/// many others and broken connections.
async fn connection(
    addr: &str,
    deadline: Instant,
    mut pace: Option<tokio::time::Interval>,
    ok: u16,
    mut request: impl FnMut(u64) -> Vec<u8>,
    mut on_ok: impl FnMut(&[u8]),
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut stream = None;
    let mut buf = vec![0u8; 64 * 1024];
    let mut i = 0u64;
    while Instant::now() < deadline {
        if let Some(ticks) = pace.as_mut() {
            ticks.tick().await;
            if Instant::now() >= deadline {
                break;
            }
        }
        if stream.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    s.set_nodelay(true).ok();
                    stream = Some(s);
                }
                Err(_) => {
                    errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let s = stream.as_mut().expect("connected above");
        i += 1;
        let request = request(i);
        let sent = Instant::now();
        match exchange(s, &request, &mut buf).await {
            Some(status) if status == ok => {
                latencies.push(sent.elapsed());
                on_ok(&buf);
            }
            Some(_) => errors += 1,
            None => {
                // The connection broke: count it and open another.
                stream = None;
                errors += 1;
            }
        }
    }
    (latencies, errors)
}

/// `seed <database url> <form> <count>`: writes `count` answers to `form` straight into the
/// database, in one statement: a smileys note, an NPS score, a multiple choice (`a`/`b`/`c`)
/// and a comment, varied by row. The collector started afterwards counts them (a form never
/// counted is counted from its stored answers on start).
async fn seed(args: &[String]) {
    let [url, form, count] = args else {
        eprintln!("usage: load seed <database url> <form id> <count>");
        std::process::exit(2);
    };
    let count: i64 = count.parse().expect("count: a whole number");
    let url = voix_collector::store::DatabaseUrl::parse(url, std::path::Path::new("."))
        .expect("a database URL");
    // Opening migrates: the tables exist.
    let store = voix_collector::store::open(&url).expect("opening the database");
    store.close().await;
    drop(store);
    let started = Instant::now();
    match url {
        voix_collector::store::DatabaseUrl::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).expect("opening SQLite");
            conn.execute(
                "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < ?1) \
                 INSERT INTO responses (form_id, submission_id, received_at, answers) \
                 SELECT ?2, NULL, '2026-12-01T00:00:00Z', json_object( \
                   'aides', CASE i % 4 WHEN 0 THEN json_array('a') WHEN 1 THEN json_array('a', 'b') \
                            WHEN 2 THEN json_array('c') ELSE json_array('b', 'c') END, \
                   'commentaire', 'texte ' || i, \
                   'note', CASE i % 3 WHEN 0 THEN 'bad' WHEN 1 THEN 'average' ELSE 'good' END, \
                   'nps', CAST(i % 11 AS TEXT)) \
                 FROM r",
                rusqlite::params![count, form],
            )
            .expect("seeding SQLite");
        }
        voix_collector::store::DatabaseUrl::Postgres(url) => {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connecting to PostgreSQL");
            tokio::spawn(connection);
            client
                .execute(
                    "INSERT INTO responses (form_id, submission_id, received_at, answers) \
                     SELECT $2, NULL, now(), json_build_object( \
                       'aides', CASE i % 4 WHEN 0 THEN json_build_array('a') \
                                WHEN 1 THEN json_build_array('a', 'b') \
                                WHEN 2 THEN json_build_array('c') ELSE json_build_array('b', 'c') END, \
                       'commentaire', 'texte ' || i, \
                       'note', CASE i % 3 WHEN 0 THEN 'bad' WHEN 1 THEN 'average' ELSE 'good' END, \
                       'nps', (i % 11)::text)::text \
                     FROM generate_series(1, $1::bigint) i",
                    &[&count, form],
                )
                .await
                .expect("seeding PostgreSQL");
        }
    }
    println!(
        "{{\"seeded\":{count},\"seconds\":{:.2}}}",
        started.elapsed().as_secs_f64()
    );
}

/// One connection posting until `deadline`: the latency of each 201, and how many other answers.
async fn client(
    run: u32,
    n: usize,
    addr: &str,
    form: &str,
    deadline: Instant,
    pace: Option<tokio::time::Interval>,
) -> (Vec<Duration>, u64) {
    let request = |i: u64| {
        // Unique per run, client and request (a repeated id would be acknowledged without a
        // new row: the endpoint is idempotent), 32 hex characters like the widget's.
        let id = format!("{run:08x}{:08x}{i:016x}", n as u64 + 1);
        let body = format!(r#"{{"v":1,"id":"{id}","answers":{{"note":"good"}}}}"#);
        format!(
            "POST /v1/forms/{form}/responses HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    connection(addr, deadline, pace, 201, request, |_| {}).await
}

/// Writes one request and reads one response (headers, then `Content-Length` bytes of body);
/// its status, or `None` if the connection failed.
async fn exchange(s: &mut TcpStream, request: &[u8], buf: &mut [u8]) -> Option<u16> {
    s.write_all(request).await.ok()?;
    let mut filled = 0;
    loop {
        let n = s.read(&mut buf[filled..]).await.ok()?;
        if n == 0 {
            return None;
        }
        filled += n;
        let head = &buf[..filled];
        let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
            if filled == buf.len() {
                return None;
            }
            continue;
        };
        let text = std::str::from_utf8(&head[..end]).ok()?;
        let status = text.get(9..12)?.parse().ok()?;
        let length: usize = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        let total = end + 4 + length;
        while filled < total {
            let n = s.read(&mut buf[filled..]).await.ok()?;
            if n == 0 {
                return None;
            }
            filled += n;
        }
        return Some(status);
    }
}
