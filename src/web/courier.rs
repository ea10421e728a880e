//! Carries answers to their endpoint and keeps them until it confirms: the web side of
//! [`crate::outbox`], which decides everything; this module only does storage, timers, network
//! and page events.
//!
//! One courier per page, shared by every widget on it. `localStorage` is the source of truth
//! (read before and written after every change, so two tabs of the same site never overwrite
//! each other's answers); when the browser refuses storage (private mode, quota, disabled) the
//! outbox lives in memory for as long as the page does, and the console says so once.
//!
//! A form whose collector asks a proof of work ([`crate::proof`]) has one solved in the
//! background as soon as it is shown ([`Courier::prepare`]); its answer waits for that proof (and
//! for the challenge's `wait`) before it is posted, keeps it for its retries, and is solved and
//! sent again when the collector refuses the proof.
//!
//! When it sends: at once on submit; on page load, on `online` and when the page is hidden or
//! shown (every entry the endpoint did not ask to hold); on a timer for the next retry. Never
//! while `navigator.onLine` is false. Every POST is `keepalive`, so one in flight when the tab
//! closes still reaches the endpoint; its entry stays until a later page load sees it confirmed.

use std::{
    cell::{Cell, RefCell},
    rc::{Rc, Weak},
};

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use web_sys::Storage;

use super::{effects, js, pow};
use crate::{
    outbox::{Entry, Outbox, STORAGE_KEY, Verdict, retry_after, verdict},
    proof,
    state::{Msg, outcome},
};

/// Hears what became of an answer: the widget that sent it.
pub type Waiter = Rc<dyn Fn(Msg)>;

/// The page's courier.
pub struct Courier {
    /// `None` once the browser has refused storage: then `memory` holds the outbox, in the
    /// same text form.
    storage: RefCell<Option<Storage>>,
    memory: RefCell<String>,
    /// Ids with a request in flight from this page.
    flying: RefCell<Vec<String>>,
    /// Widgets on this page waiting for the fate of their answer, by id.
    waiters: RefCell<Vec<(String, Waiter)>>,
    /// When the pending retry timer fires (ms since the epoch), or `f64::INFINITY`.
    wake: Cell<f64>,
    /// The retry timer; replacing or dropping it cancels it.
    timer: RefCell<Option<Timeout>>,
    /// `online`, `pagehide`, `visibilitychange`; dropping them removes them.
    listeners: RefCell<Vec<EventListener>>,
    /// Solved proofs not used yet, by challenge URL.
    ready: RefCell<Vec<(String, pow::Solved)>>,
    /// Challenge URLs being solved.
    solving: RefCell<Vec<String>>,
    /// Answers waiting for a proof (also in `flying`, so nothing sends them meanwhile).
    waiting: RefCell<Vec<Entry>>,
}

pub type Shared = Rc<Courier>;

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn warn(msg: &str) {
    web_sys::console::warn_1(&msg.into());
}

/// The page's courier, listening to `online`, `pagehide` and `visibilitychange`, with what an
/// earlier page left in the outbox already on its way. Its listeners and timer hold it weakly:
/// dropping the courier removes them.
pub fn start() -> Shared {
    let window = super::window();
    let storage = window.local_storage().ok().flatten();
    let refused = storage.is_none();
    let courier = Rc::new(Courier {
        storage: RefCell::new(storage),
        memory: RefCell::default(),
        flying: RefCell::default(),
        waiters: RefCell::default(),
        wake: Cell::new(f64::INFINITY),
        timer: RefCell::default(),
        listeners: RefCell::default(),
        ready: RefCell::default(),
        solving: RefCell::default(),
        waiting: RefCell::default(),
    });
    if refused {
        courier.refused();
    }
    // Back online, or the page hidden (maybe closed for good: the last chance) or shown again:
    // send everything the endpoint did not ask to hold.
    let mut listeners = Vec::new();
    let mut on = |target: &web_sys::EventTarget, ty: &'static str| {
        let me = Rc::downgrade(&courier);
        listeners.push(EventListener::new(target, ty, move |_| {
            if let Some(me) = me.upgrade() {
                me.flush(true);
            }
        }));
    };
    on(&window, "online");
    on(&window, "pagehide");
    if let Some(d) = window.document() {
        on(&d, "visibilitychange");
    }
    *courier.listeners.borrow_mut() = listeners;
    courier.flush(true);
    courier
}

impl Courier {
    fn refused(&self) {
        warn("[voix] no localStorage: unsent answers are retried only while the page is open");
    }

    fn load(&self) -> Outbox {
        let text = match &*self.storage.borrow() {
            Some(s) => s.get_item(STORAGE_KEY).ok().flatten().unwrap_or_default(),
            None => self.memory.borrow().clone(),
        };
        // Anything unreadable is skipped: a damaged value under our key must not stop us.
        let items = js::parse_json(&text)
            .ok()
            .filter(js_sys::Array::is_array)
            .map(|v| js_sys::Array::from(&v).iter().collect::<Vec<_>>())
            .unwrap_or_default();
        Outbox::from_stored(items.into_iter().map(|v| js::from_js::<Entry>(v).ok()))
    }

    fn save(&self, outbox: &Outbox) {
        let text = js::to_json(&outbox.entries).unwrap_or_default();
        let stored = match &*self.storage.borrow() {
            // Nothing of ours lingers in the site's storage once everything is delivered.
            Some(s) if outbox.entries.is_empty() => s.remove_item(STORAGE_KEY).is_ok(),
            Some(s) => s.set_item(STORAGE_KEY, &text).is_ok(),
            None => false,
        };
        if !stored {
            if self.storage.take().is_some() {
                self.refused();
            }
            *self.memory.borrow_mut() = text;
        }
    }

    /// Keeps a new answer (unless the outbox is full: then it is sent once without a copy, and
    /// if that fails the resident is told and may retry) and sends it; `waiter` hears its fate.
    /// `proof`: the endpoint asks a proof of work with it.
    pub fn submit(self: &Rc<Self>, id: String, url: &str, body: &str, proof: bool, waiter: Waiter) {
        let mut outbox = self.load();
        outbox.expire(now());
        let kept = outbox.add(&id, url, body, proof, now()).is_ok();
        self.save(&outbox);
        // As stored; the same when the outbox was full and it is sent once without a copy.
        let entry = outbox
            .get(&id)
            .cloned()
            .unwrap_or_else(|| Entry::new(&id, url, body, proof, now()));
        if !online() {
            // Sent on `online`; meanwhile nothing is lost and nothing is tried.
            waiter(outcome(None, None, kept));
            if !kept {
                return;
            }
        }
        self.waiters.borrow_mut().push((id, waiter));
        self.send(entry);
    }

    /// Solves a proof for the challenges at `challenge` ahead of the answer that will need it,
    /// unless one is ready or being solved.
    pub fn prepare(self: &Rc<Self>, challenge: &str) {
        self.drop_stale_proofs();
        let known = |u: &String| u == challenge;
        if self.ready.borrow().iter().any(|(u, _)| known(u))
            || self.solving.borrow().iter().any(known)
        {
            return;
        }
        self.solving.borrow_mut().push(challenge.to_owned());
        let me = Rc::downgrade(self);
        let url = challenge.to_owned();
        pow::solve(
            challenge,
            Box::new(move |solved| {
                if let Some(me) = me.upgrade() {
                    me.solved(&url, solved);
                }
            }),
        );
    }

    /// A proof for `challenge` was solved (or could not be): the answers waiting for one go
    /// (the first takes it, the next ones ask for more), or are retried later like an answer
    /// that found no network.
    fn solved(self: &Rc<Self>, challenge: &str, solved: Option<pow::Solved>) {
        self.solving.borrow_mut().retain(|u| u != challenge);
        let ok = solved.is_some();
        if let Some(s) = solved {
            self.ready.borrow_mut().push((challenge.to_owned(), s));
        } else {
            warn(&voix_form::cat(&[
                "[voix] could not get or solve a proof of work from ",
                challenge,
                "; the answer waiting for it will be sent later",
            ]));
        }
        let waiting: Vec<Entry> = {
            let mut w = self.waiting.borrow_mut();
            let (these, others) = w
                .drain(..)
                .partition(|e| proof::challenge_url(&e.url).as_deref() == Some(challenge));
            *w = others;
            these
        };
        for e in waiting {
            if ok {
                self.flying.borrow_mut().retain(|f| *f != e.id);
                self.send(e);
            } else {
                self.settle(&e.id, None);
            }
        }
    }

    /// Forgets the ready proofs that expire within a minute (too late to be sent with).
    fn drop_stale_proofs(&self) {
        let soon = now() + 60_000;
        self.ready.borrow_mut().retain(|(_, s)| s.expires_at > soon);
    }

    /// Takes a ready, unexpired proof for `challenge`.
    fn take_ready(&self, challenge: &str) -> Option<pow::Solved> {
        self.drop_stale_proofs();
        let mut ready = self.ready.borrow_mut();
        let i = ready.iter().position(|(u, _)| u == challenge)?;
        Some(ready.swap_remove(i).1)
    }

    /// Sends what is due (with `eager`, also what only waits for its backoff), then sets the
    /// timer for what is left.
    fn flush(self: &Rc<Self>, eager: bool) {
        if !online() {
            return;
        }
        let mut outbox = self.load();
        if outbox.expire(now()) > 0 {
            warn("[voix] answers unsent for 7 days were dropped");
            self.save(&outbox);
        }
        for e in outbox.due(now(), eager) {
            self.send(e.clone());
        }
        self.arm(&outbox);
    }

    fn send(self: &Rc<Self>, mut e: Entry) {
        if !online() || self.flying.borrow().contains(&e.id) {
            return;
        }
        // A proof first, where one is asked and the entry has none yet.
        if let (true, None, Some(challenge)) = (e.proof, &e.altcha, proof::challenge_url(&e.url)) {
            let Some(s) = self.take_ready(&challenge) else {
                self.flying.borrow_mut().push(e.id.clone());
                self.waiting.borrow_mut().push(e);
                return self.prepare(&challenge);
            };
            let mut outbox = self.load();
            outbox.prove(&e.id, &s.altcha, s.usable_at);
            self.save(&outbox);
            if s.usable_at > now() && outbox.get(&e.id).is_some() {
                // The challenge's wait is not over: the timer sends it then.
                return self.arm(&outbox);
            }
            e.altcha = Some(s.altcha);
        }
        let (id, url) = (e.id, e.url);
        let body = match &e.altcha {
            Some(a) => proof::with_proof(&e.body, a),
            None => e.body,
        };
        self.flying.borrow_mut().push(id.clone());
        let me = Rc::downgrade(self);
        let done = move |result| {
            if let Some(me) = me.upgrade() {
                me.settle(&id, result);
            }
        };
        effects::request("POST", &url, Some(&body), Box::new(done));
    }

    /// What a POST came to: the outbox keeps, reschedules or drops the entry, and the widget
    /// that sent it (if it is on this page) hears about it.
    fn settle(self: &Rc<Self>, id: &str, result: effects::Outcome) {
        self.flying.borrow_mut().retain(|f| f != id);
        let status = result.as_ref().map(|r| r.status);
        let told = result
            .as_ref()
            .and_then(|r| r.retry_after.as_deref())
            .and_then(retry_after);
        let body = result
            .and_then(|r| r.json)
            .and_then(|j| js::from_js::<voix_form::ErrorBody>(j).ok());
        let mut outbox = self.load();
        // Refused for its proof: a new one, and again (the resident hears nothing yet).
        let code = body.as_ref().and_then(|b| b.error.code);
        if verdict(status) == Verdict::Terminal
            && code.is_some_and(proof::needs_new_proof)
            && outbox.reprove(id)
        {
            self.save(&outbox);
            if let Some(e) = outbox.get(id).cloned() {
                self.send(e);
            }
            return;
        }
        let kept = match verdict(status) {
            Verdict::Retry => outbox.retry(id, now(), told, js_sys::Math::random()),
            _ => outbox.remove(id),
        };
        self.save(&outbox);
        let msg = outcome(status, body.as_ref(), kept);
        let settled = !matches!(msg, Msg::Queued);
        let waiter = {
            let mut waiters = self.waiters.borrow_mut();
            let i = waiters.iter().position(|(w, _)| w == id);
            match i {
                Some(i) if settled => Some(waiters.swap_remove(i).1),
                Some(i) => Some(waiters[i].1.clone()),
                None => None,
            }
        };
        if let Some(waiter) = waiter {
            waiter(msg);
        }
        self.arm(&outbox);
    }

    /// Sets the timer for the earliest retry, unless it already fires by then.
    fn arm(self: &Rc<Self>, outbox: &Outbox) {
        let Some(at) = outbox.wake(&self.flying.borrow()) else {
            return;
        };
        let at = at as f64;
        if at >= self.wake.get() {
            return;
        }
        self.wake.set(at);
        let delay = (at - js_sys::Date::now()).max(0.0) as u32 + 20;
        let me: Weak<Courier> = Rc::downgrade(self);
        let timer = Timeout::new(delay, move || {
            if let Some(me) = me.upgrade() {
                me.wake.set(f64::INFINITY);
                me.timer.take();
                me.flush(false);
            }
        });
        // Replacing the earlier timer cancels it.
        *self.timer.borrow_mut() = Some(timer);
    }
}

fn online() -> bool {
    let navigator = super::get(&super::window(), "navigator");
    super::get(&navigator, "onLine").as_bool() != Some(false)
}
