//! `println!` and `print!` for the examples, which end quietly when the
//! reader of stdout goes away (`cargo run --example NAME | head -1`).
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with `BrokenPipe`
//! and std's `println!` panics: the example would stop half way, inside a
//! thread or a scope, and lose the files it was asked to write. These macros
//! drop the rest of the output instead and let the run finish, as a Unix tool
//! that keeps working for its files would. An example opts in with
//! `use harness::{print, println};`, which shadows std's two macros in that
//! file. Any other write error still panics, as std's macros do.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to stdout has found the pipe closed.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Like std's `println!`, but a closed stdout ends the output, not the program.
#[macro_export]
macro_rules! println {
    () => {
        $crate::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Like std's `print!`, but a closed stdout ends the output, not the program.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!($($arg)*))
    };
}

/// Writes to stdout, or nothing once its reader has gone.
pub fn write(args: fmt::Arguments<'_>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(error) = io::stdout().lock().write_fmt(args) {
        if error.kind() == io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        } else {
            panic!("failed printing to stdout: {error}");
        }
    }
}

/// Whether stdout's reader has gone (a write found the pipe closed).
pub fn closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}
