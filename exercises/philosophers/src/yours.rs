//! Dining philosophers: `forks.len()` philosophers at a round table, a fork
//! between each two. Philosopher `seat` needs the forks on both sides,
//! `seat` and `(seat + 1) % forks.len()`, to eat. Take them so that the
//! table can never deadlock, whatever the others do.
//! Practises "Deadlock: the dining philosophers".

use crate::sync::Mutex;

/// Philosopher `seat` takes both forks, eats (`eat()`), and puts them back.
pub fn dine(forks: &[Mutex<()>], seat: usize, eat: impl FnOnce()) {
    todo!("lock both forks (in which order?), eat, let go")
}
