//! Python's `Lock` and `RLock` in Rust: a `Mutex` whose holder panics is
//! poisoned, and a thread that asks again for a `Mutex` it holds does not
//! get it.
//!
//! `cargo run --example locks -- --mode poison`

use std::sync::{Mutex, PoisonError, TryLockError};
use std::thread;

use clap::{Parser, ValueEnum};
use harness::cli;
use harness::println;
use serde::Serialize;

/// Lock and RLock: what a panic does to a Mutex, and locking one twice.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// A thread panics halfway through an update, holding the lock
    Poison,
    /// The thread that holds a lock asks for it again (Python's RLock)
    Reenter,
}

// ANCHOR: accounts
/// Two accounts whose total must not change: a transfer takes from one and
/// gives to the other, both under one lock.
#[derive(Debug)]
struct Accounts {
    checking: i64,
    savings: i64,
}

impl Accounts {
    fn total(&self) -> i64 {
        self.checking + self.savings
    }
}
// ANCHOR_END: accounts

/// What each mode found, for its `--json` summary.
#[derive(Serialize)]
struct Poisoned {
    poisoned: bool,
    total_after_panic: i64,
    total_repaired: i64,
    poisoned_after_repair: bool,
}

#[derive(Serialize)]
struct Reentered {
    second_lock: &'static str,
    entries: usize,
}

// ANCHOR: poison
fn poison() -> Poisoned {
    let accounts = Mutex::new(Accounts {
        checking: 100,
        savings: 100,
    });
    thread::scope(|scope| {
        let transfer = scope.spawn(|| {
            let mut accounts = accounts.lock().unwrap();
            accounts.checking -= 10;
            panic!("the savings ledger is unreachable"); // before `savings += 10`
        });
        let _ = transfer.join(); // the panic ended that thread only
    });
    // The guard was dropped as the thread unwound, so the lock is free, but
    // marked: every `lock()` from now on returns Err(PoisonError).
    let (poisoned, after_panic) = match accounts.lock() {
        Ok(accounts) => (false, accounts.total()),
        Err(poisoned) => {
            let accounts = poisoned.into_inner(); // the guard, all the same
            println!("poisoned: {accounts:?}, total {}", accounts.total());
            (true, accounts.total())
        }
    };
    // Recovering: put the data right, then clear the mark.
    let mut repair = accounts.lock().unwrap_or_else(PoisonError::into_inner);
    repair.checking += 10; // undo the half-done transfer
    drop(repair);
    accounts.clear_poison();
    let repaired = accounts.lock().unwrap().total();
    println!(
        "repaired: total {repaired}, poisoned: {}",
        accounts.is_poisoned()
    );
    Poisoned {
        poisoned,
        total_after_panic: after_panic,
        total_repaired: repaired,
        poisoned_after_repair: accounts.is_poisoned(),
    }
}
// ANCHOR_END: poison

// ANCHOR: reenter
fn reenter() -> Reentered {
    let ledger = Mutex::new(Vec::<i64>::new());
    let held = ledger.lock().unwrap();
    // `ledger.lock()` here would never return: std says a second lock on the
    // same thread "might panic or deadlock". `try_lock` shows it safely.
    let second = match ledger.try_lock() {
        Ok(_) => "acquired",
        Err(TryLockError::WouldBlock) => "would block",
        Err(TryLockError::Poisoned(_)) => "poisoned",
    };
    println!("the same thread asks again: {second}");
    drop(held);

    // The Rust way: lock once, and hand what the lock protects down.
    let mut entries = ledger.lock().unwrap();
    record_twice(&mut entries, 25);
    println!("recorded {:?} under one lock", *entries);
    Reentered {
        second_lock: second,
        entries: entries.len(),
    }
}

fn record_twice(entries: &mut Vec<i64>, amount: i64) {
    record(entries, amount);
    record(entries, amount);
}

fn record(entries: &mut Vec<i64>, amount: i64) {
    entries.push(amount);
}
// ANCHOR_END: reenter

fn main() {
    let Args { modes } = cli::parse_with_defaults(&[]);
    cli::run_modes("locks", modes.mode, modes.json, |mode| match mode {
        Mode::Poison => (1, 1, cli::findings(poison())),
        Mode::Reenter => (1, 1, cli::findings(reenter())),
    });
}
