//! Sync and async together. A synchronous program keeps a runtime and
//! blocks on futures with it (`asyncio.run`, without building a new loop
//! each time); a plain thread hands futures to the same runtime through a
//! `Handle` (`asyncio.run_coroutine_threadsafe`); and the mistake, blocking
//! on a future from inside async code, panics at once.
//!
//! Cargo.toml: `tokio = { version = "1", features = ["full"] }`

use std::time::Duration;

use tokio::runtime::{Handle, Runtime};

async fn fetch(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

/// Synchronous code running a future to its end on a runtime it keeps.
pub fn from_sync_code(runtime: &Runtime) -> u64 {
    runtime.block_on(fetch(50))
}

/// A plain thread (say, a callback from a synchronous library) running a
/// future on a runtime that lives elsewhere.
pub fn from_a_thread(runtime: &Runtime) -> u64 {
    let handle: Handle = runtime.handle().clone();
    let thread = std::thread::spawn(move || handle.block_on(fetch(30)));
    thread.join().expect("the thread panicked")
}

/// The mistake: `block_on` inside async code. It would hold a thread the
/// runtime needs, so tokio panics instead: "Cannot start a runtime from
/// within a runtime". Returns whether it panicked.
pub fn blocking_inside_async(runtime: &Runtime) -> bool {
    let nested = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async { Handle::current().block_on(fetch(10)) })
    }));
    nested.is_err()
}

fn main() {
    // Once per program: `#[tokio::main]` does this for an async `main`.
    let runtime = Runtime::new().expect("a runtime");
    println!("block_on from sync code: {}", from_sync_code(&runtime));
    println!(
        "Handle::block_on from a thread: {}",
        from_a_thread(&runtime)
    );
    println!(
        "block_on inside async code panics: {}",
        blocking_inside_async(&runtime)
    );
}
