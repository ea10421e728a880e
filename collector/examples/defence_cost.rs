//! What the defences cost the collector, measured: issuing a challenge, verifying a solution,
//! making and checking a no-JS render token, at the default cost and difficulty.
//!
//! `cargo run --release -p voix-collector --example defence_cost`

use std::time::Instant;

use altcha::{SolveChallengeOptions, solve_challenge};
use base64::Engine;
use jiff::Timestamp;
use voix_collector::defence::{DEFAULT_POW_COST, DEFAULT_POW_DIFFICULTY, Keys};

fn per_op(n: u32, mut f: impl FnMut(u32)) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

fn main() {
    let keys = Keys::new(&Keys::fresh_secret());
    let now = Timestamp::now();
    let (cost, attempts) = (DEFAULT_POW_COST, DEFAULT_POW_DIFFICULTY);
    let issue = per_op(2_000, |_| {
        std::hint::black_box(keys.challenge("sondage", cost, attempts, 0, now));
    });
    // A few solved payloads, verified in turn.
    let payloads: Vec<String> = (0..20)
        .map(|_| {
            let c = keys.challenge("sondage", cost, attempts, 0, now);
            let s = solve_challenge(SolveChallengeOptions::new(&c))
                .unwrap()
                .unwrap();
            let json = serde_json::json!({ "challenge": c, "solution": s }).to_string();
            base64::engine::general_purpose::STANDARD.encode(json)
        })
        .collect();
    let solve = per_op(20, |i| {
        let c = keys.challenge("sondage", cost, attempts, 0, now);
        std::hint::black_box(solve_challenge(SolveChallengeOptions::new(&c)).unwrap());
        let _ = i;
    });
    let verify = per_op(20_000, |i| {
        let p = &payloads[i as usize % payloads.len()];
        assert!(keys.verify(p, "sondage", 0, now).is_ok());
    });
    let token = keys.token("avis", now);
    let make = per_op(20_000, |_| {
        std::hint::black_box(keys.token("avis", now));
    });
    let check = per_op(20_000, |_| {
        assert!(keys.verify_token(&token, "avis", 0, now).is_ok());
    });
    println!(
        "defence costs on this machine (one core), cost {cost}, {attempts} attempts on average:"
    );
    println!("  issue a challenge      {issue:>9.1} µs");
    println!("  verify a solution      {verify:>9.1} µs");
    println!("  solve (altcha, native) {solve:>9.1} µs   (what a robot pays per answer, one core)");
    println!("  make a render token    {make:>9.1} µs");
    println!("  check a render token   {check:>9.1} µs");
}
