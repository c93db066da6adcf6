//! Checks for "philosophers". `cargo xtask exercise philosophers` runs them
//! with loom, which tries every interleaving: if some order of events
//! deadlocks the table, loom finds it and reports a deadlock, every run.

use exercise_philosophers::dine;
use exercise_philosophers::sync::{Arc, AtomicUsize, Mutex, Ordering, thread};

/// Three philosophers eat once each, at the same time.
fn three_at_the_table() {
    let forks: Arc<Vec<Mutex<()>>> = Arc::new((0..3).map(|_| Mutex::new(())).collect());
    let meals = Arc::new(AtomicUsize::new(0));
    let philosopher = |seat: usize| {
        let (forks, meals) = (Arc::clone(&forks), Arc::clone(&meals));
        move || {
            let table = Arc::clone(&forks);
            dine(&forks, seat, || {
                // Both forks are in this philosopher's hands while they eat.
                for fork in [seat, (seat + 1) % 3] {
                    assert!(
                        table[fork].try_lock().is_err(),
                        "philosopher {seat} eats without holding fork {fork}"
                    );
                }
                meals.fetch_add(1, Ordering::SeqCst);
            });
        }
    };
    let others: Vec<_> = (1..3)
        .map(|seat| thread::spawn(philosopher(seat)))
        .collect();
    philosopher(0)();
    for other in others {
        other.join().unwrap();
    }
    assert_eq!(meals.load(Ordering::SeqCst), 3, "everyone ate once");
}

exercise_support::scenario_tests!(
    three_at_the_table,
    preemptions: 3,
    loom: no_interleaving_deadlocks_the_table,
    one_run: the_table_finishes_in_one_run,
);
