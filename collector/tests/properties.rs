//! Properties of what the collector publishes about stored answers (issue 14), through the real
//! router and a real SQLite store: the results count exactly what was stored, and the CSV export
//! gives every stored answer back, neutralised only by its one leading `'`.

use axum::http::{StatusCode, header};
use proptest::{collection::vec, prelude::*};
use serde_json::{Value, json};
use voix_collector::{AppState, export::is_formula_like};

mod common;
use common::{Site, get, post, send};

const TOKEN: &str = "0123456789abcdef-admin";

const FORM: &str = r#"{"id":"p","title":"P","questions":[
  {"id":"sm","type":"smileys","label":"Smileys"},
  {"id":"st","type":"stars","label":"Stars"},
  {"id":"yn","type":"yes_no","label":"Yes or no"},
  {"id":"ch","type":"choice","label":"Choice","other":true,
   "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]},
  {"id":"mu","type":"multiple","label":"Multiple",
   "choices":[{"id":"x","label":"X"},{"id":"y","label":"Y"},{"id":"z","label":"Z"}]},
  {"id":"nps","type":"nps","label":"NPS"},
  {"id":"tx","type":"text","label":"Text","max_length":1000}
]}"#;

/// The single-value questions and their values.
const SINGLE: [(&str, &[&str]); 5] = [
    ("sm", &["bad", "average", "good"]),
    ("st", &["1", "2", "3", "4", "5"]),
    ("yn", &["yes", "no"]),
    ("ch", &["a", "b", "other"]),
    (
        "nps",
        &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
    ),
];

/// One response as posted: the answers object of the submission.
fn response() -> impl Strategy<Value = Value> {
    let single = SINGLE.map(|(_, values)| prop::option::of(prop::sample::select(values)));
    (
        single,
        prop::sample::subsequence(vec!["x", "y", "z"], 0..=3),
        prop::option::of(text()),
        text(),
    )
        .prop_map(|(single, multiple, tx, other)| {
            let mut answers = serde_json::Map::new();
            for ((id, _), value) in SINGLE.iter().zip(single) {
                if let Some(v) = value {
                    answers.insert((*id).into(), json!(v));
                }
            }
            if answers.get("ch").is_some_and(|v| v == "other") {
                answers.insert("ch.other".into(), json!(format!("o{other}")));
            }
            if !multiple.is_empty() {
                answers.insert("mu".into(), json!(multiple));
            }
            if let Some(t) = tx {
                answers.insert("tx".into(), json!(t));
            }
            Value::Object(answers)
        })
}

/// Text a resident could type, and worse: any character, and those a CSV writer or a
/// spreadsheet cares about, often.
fn text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '=', '+', '-', '@', '\t', '\r', '\n', ',', '"', '\'', ' ', '\u{a0}', '\u{3000}',
        '\u{200b}', '\u{feff}', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}', '\0', ';', 'é',
    ]);
    vec(prop_oneof![special, any::<char>()], 0..24).prop_map(|c| c.into_iter().collect())
}

fn site() -> (Site, AppState) {
    let site = Site::new(
        &[("p.json", FORM)],
        &format!(
            "database = \"voix.db\"\nadmin_token = \"{TOKEN}\"\npublic_results = true\n\
             rate_limit = {{ per_minute = 0 }}"
        ),
    );
    let state = site.state();
    (site, state)
}

/// Posts every response (each must be stored), then reads `path` with the admin token.
async fn post_all_then_read(state: &AppState, responses: &[Value], path: &str) -> String {
    for answers in responses {
        let r = send(state, post("p", &json!({"v": 1, "answers": answers}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{answers}: {}", r.text());
    }
    let mut req = get(path);
    req.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {TOKEN}").parse().unwrap(),
    );
    let r = send(state, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.text()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The stored responses, as the JSON export has them (what the CSV must give back).
async fn stored(state: &AppState) -> Vec<Value> {
    let text = post_all_then_read(state, &[], "/v1/admin/forms/p/responses.json").await;
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn results_totals_equal_stored_answers(responses in vec(response(), 0..24)) {
        let (_site, state) = site();
        let rt = runtime();
        let text = rt.block_on(post_all_then_read(&state, &responses, "/v1/forms/p/results"));
        let results: Value = serde_json::from_str(&text).unwrap();
        let stored = rt.block_on(stored(&state));
        prop_assert_eq!(stored.len(), responses.len());
        prop_assert_eq!(&results["responses"], &json!(stored.len()));
        let question = |id: &str| -> Value {
            results["questions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["id"] == id)
                .cloned()
                .unwrap_or_else(|| panic!("no {id} in {results}"))
        };
        let answers = |id: &str| -> Vec<Value> {
            stored.iter().filter_map(|r| r["answers"].get(id).cloned()).collect()
        };
        for (id, values) in SINGLE {
            let q = question(id);
            let given = answers(id);
            prop_assert_eq!(&q["total"], &json!(given.len()), "{}", q);
            for value in values {
                let option = q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o["value"] == *value)
                    .cloned()
                    .unwrap();
                let n = given.iter().filter(|v| *v == value).count();
                prop_assert_eq!(&option["count"], &json!(n), "{} {}", id, value);
            }
        }
        let q = question("mu");
        let given = answers("mu");
        prop_assert_eq!(&q["total"], &json!(given.len()));
        for value in ["x", "y", "z"] {
            let option = q["options"].as_array().unwrap().iter().find(|o| o["value"] == value).cloned().unwrap();
            let n = given.iter().filter(|v| v.as_array().unwrap().contains(&json!(value))).count();
            prop_assert_eq!(&option["count"], &json!(n), "mu {}", value);
        }
        let typed = responses
            .iter()
            .filter(|r| r.get("tx").and_then(Value::as_str).is_some_and(|t| !is_blank(t)))
            .count();
        prop_assert_eq!(&question("tx")["answered"], &json!(typed));
        prop_assert_eq!(answers("tx").len(), typed);
    }

    #[test]
    fn the_csv_export_gives_every_stored_answer_back(responses in vec(response(), 1..16)) {
        let (_site, state) = site();
        let rt = runtime();
        let csv_text = rt.block_on(post_all_then_read(&state, &responses, "/v1/admin/forms/p/responses.csv"));
        let stored = rt.block_on(stored(&state));
        let body = csv_text.strip_prefix('\u{feff}').expect("the byte-order mark");
        let mut reader = csv::ReaderBuilder::new().from_reader(body.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        prop_assert_eq!(header, ["id", "received_at", "sm", "st", "yn", "ch", "mu", "nps", "tx"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        prop_assert_eq!(rows.len(), stored.len());
        for (row, s) in rows.iter().zip(&stored) {
            prop_assert_eq!(&row[0], s["id"].as_str().unwrap());
            prop_assert_eq!(&row[1], s["received_at"].as_str().unwrap());
            for (i, id) in ["sm", "st", "yn", "ch", "mu", "nps", "tx"].iter().enumerate() {
                let expected = match &s["answers"][*id] {
                    Value::Null => String::new(),
                    Value::String(v) => v.replace('\0', "\u{fffd}"),
                    Value::Array(v) => v.iter().map(|x| x.as_str().unwrap()).collect::<Vec<_>>().join("; "),
                    other => panic!("{other}"),
                };
                let cell = &row[i + 2];
                // Exactly one `'` added, and only where a spreadsheet could run the cell or the
                // answer itself starts with one.
                let guarded = is_formula_like(&expected) || expected.starts_with('\'');
                let back = if guarded { cell.strip_prefix('\'') } else { Some(cell) };
                prop_assert_eq!(back, Some(expected.as_str()), "{}: {:?}", id, cell);
                prop_assert!(!cell.contains('\0'));
            }
        }
    }
}
