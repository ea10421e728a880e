//! What the defences cost the collector, measured: issuing a challenge, verifying a solution,
//! making and checking a no-JS render token, at the default cost and difficulty.
//!
//! `cargo run --release -p voix-collector --example defence_cost` (`-- --json`: one JSON line,
//! microseconds, each solve timed alone for its median and p90; read by `cargo xtask bench`).

use std::time::Instant;

use altcha::{SolveChallengeOptions, solve_challenge};
use base64::Engine;
use jiff::Timestamp;
use voix_collector::defence::{DEFAULT_POW_COST, DEFAULT_POW_DIFFICULTY, Keys};

/// How many challenges are solved natively (each one alone).
const SOLVES: u32 = 30;

fn per_op(n: u32, mut f: impl FnMut(u32)) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

/// The `q` quantile (nearest rank) of `v`, sorted in place.
fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

fn main() {
    let json = std::env::args().skip(1).any(|a| a == "--json");
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
    // Each solve timed alone: the number of attempts a solve takes varies (a robot pays the
    // mean, a resident waits the median or the p90).
    let mut solves: Vec<f64> = (0..SOLVES)
        .map(|_| {
            let c = keys.challenge("sondage", cost, attempts, 0, now);
            per_op(1, |_| {
                std::hint::black_box(solve_challenge(SolveChallengeOptions::new(&c)).unwrap());
            })
        })
        .collect();
    let solve = solves.iter().sum::<f64>() / solves.len() as f64;
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
    if json {
        let (median, p90) = (quantile(&mut solves, 0.5), quantile(&mut solves, 0.9));
        println!(
            "{}",
            serde_json::json!({
                "cost": cost, "attempts": attempts, "solves": SOLVES,
                "issue_us": issue, "verify_us": verify, "solve_us": solve,
                "solve_median_us": median, "solve_p90_us": p90,
                "make_token_us": make, "check_token_us": check,
            })
        );
        return;
    }
    println!(
        "defence costs on this machine (one core), cost {cost}, {attempts} attempts on average:"
    );
    println!("  issue a challenge      {issue:>9.1} µs");
    println!("  verify a solution      {verify:>9.1} µs");
    println!("  solve (altcha, native) {solve:>9.1} µs   (what a robot pays per answer, one core)");
    println!("  make a render token    {make:>9.1} µs");
    println!("  check a render token   {check:>9.1} µs");
}
