//! The figures behind "Processes in Rust", "Fork vs spawn", "Queues, pipes
//! and shared memory" and "Process pools".
//!
//! `cargo bench --bench processes` (add a group name to run one: `-- start`)
//!
//! - `start/*`: start one thread or process that does nothing and wait for it:
//!   thread spawn+join, fork+wait, fork+exec+wait and posix_spawn+wait of
//!   `/bin/true`, and `Command::new("/bin/true").status()`.
//! - `messages/*`: 100,000 messages of 32 bytes from a producer to this thread,
//!   through std's channel (a thread) and through a pipe (a process: this
//!   bench binary run again with a hidden argument), length-prefixed.
//! - `cpu_pool/*`: four tasks of `compute(2e7)` on two workers: a rayon pool,
//!   and a pool of two worker processes (started once, outside the timing).
//!
//! Unix only, like the examples it backs.

#[cfg(unix)]
mod common;

#[cfg(unix)]
mod unix {
    use super::common::compute;
    use std::ffi::CString;
    use std::hint::black_box;
    use std::io::{self, BufReader, BufWriter, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::thread;
    use std::time::{Duration, Instant};

    use criterion::{Criterion, Throughput};
    use nix::spawn::{PosixSpawnAttr, PosixSpawnFileActions, posix_spawn};
    use nix::sys::wait::waitpid;
    use nix::unistd::{ForkResult, execv, fork};
    use processes::process_pool::{self, Options, ProcessPool};
    use processes::{ipc, worker};
    use rayon::prelude::*;

    const TRUE: &str = "/bin/true";

    fn exit_child(code: i32) -> ! {
        // SAFETY: _exit(2) is async-signal-safe and touches no Rust state.
        unsafe { libc::_exit(code) }
    }

    pub fn start(c: &mut Criterion) {
        let mut group = c.benchmark_group("start");
        let program = CString::new(TRUE).unwrap();
        group.bench_function("thread_spawn_join", |b| {
            b.iter(|| thread::spawn(|| black_box(1)).join().unwrap());
        });
        group.bench_function("fork_wait", |b| {
            b.iter(|| {
                // SAFETY: the child calls only _exit(2).
                match unsafe { fork() }.unwrap() {
                    ForkResult::Child => exit_child(0),
                    ForkResult::Parent { child } => waitpid(child, None).unwrap(),
                }
            });
        });
        group.bench_function("fork_exec_wait", |b| {
            let argv = [program.clone()];
            b.iter(|| {
                // SAFETY: the child calls only execv(2) and _exit(2).
                match unsafe { fork() }.unwrap() {
                    ForkResult::Child => {
                        let _ = execv(&program, &argv);
                        exit_child(127)
                    }
                    ForkResult::Parent { child } => waitpid(child, None).unwrap(),
                }
            });
        });
        group.bench_function("posix_spawn_wait", |b| {
            let (actions, attributes) = (
                PosixSpawnFileActions::init().unwrap(),
                PosixSpawnAttr::init().unwrap(),
            );
            let no_env: [CString; 0] = [];
            b.iter(|| {
                let child = posix_spawn(
                    program.as_c_str(),
                    &actions,
                    &attributes,
                    &[&program],
                    &no_env,
                )
                .unwrap();
                waitpid(child, None).unwrap()
            });
        });
        group.bench_function("command_status", |b| {
            b.iter(|| Command::new(TRUE).status().unwrap());
        });
        group.finish();
    }

    const MESSAGES: usize = 100_000;

    fn message(seq: u64) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seq.to_le_bytes());
        bytes
    }

    pub fn messages(c: &mut Criterion) {
        let mut group = c.benchmark_group("messages");
        group.throughput(Throughput::Elements(MESSAGES as u64));
        group.sample_size(20);
        group.bench_function("std_channel_thread", |b| {
            b.iter(|| {
                let (sender, receiver) = mpsc::channel();
                let producer = thread::spawn(move || {
                    for seq in 0..MESSAGES as u64 {
                        sender.send(message(seq)).unwrap();
                    }
                });
                let received = receiver.iter().count();
                producer.join().unwrap();
                assert_eq!(received, MESSAGES);
            });
        });
        group.bench_function("pipe_process", |b| {
            b.iter(|| {
                let mut child = Command::new(std::env::current_exe().unwrap())
                    .args([PRODUCER_FLAG, &MESSAGES.to_string()])
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut pipe = BufReader::with_capacity(1 << 16, child.stdout.take().unwrap());
                let mut received = 0;
                while let Some(bytes) = ipc::read_message(&mut pipe).unwrap() {
                    received += black_box(bytes).len() / 32;
                }
                worker::wait_until(&mut child, Instant::now() + Duration::from_secs(60)).unwrap();
                assert_eq!(received, MESSAGES);
            });
        });
        group.finish();
    }

    const N: u64 = 20_000_000;

    pub fn cpu_pool(c: &mut Criterion) {
        let mut group = c.benchmark_group("cpu_pool");
        group.sample_size(10);
        let rayon_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        group.bench_function("rayon_2_threads", |b| {
            b.iter(|| {
                rayon_pool.install(|| (0..4).into_par_iter().map(|_| compute(N)).sum::<u128>())
            });
        });
        let options = Options {
            workers: 2,
            task_timeout: Duration::from_secs(60),
            worker_args: vec![POOL_WORKER_FLAG.into()],
            max_tasks_per_worker: None,
            worker_stderr: false,
        };
        let mut pool = ProcessPool::start(options).unwrap();
        group.bench_function("process_pool_2_workers", |b| {
            b.iter(|| {
                let outcomes = pool.run::<u64, String>(vec![N; 4], |_| {}).unwrap();
                assert_eq!(outcomes.len(), 4);
            });
        });
        pool.shutdown(Duration::from_secs(10)).unwrap();
        group.finish();
    }

    pub const PRODUCER_FLAG: &str = "--bench-producer";
    pub const POOL_WORKER_FLAG: &str = "--bench-pool-worker";

    /// This bench binary run again as a producer or a pool worker.
    pub fn run_as_worker() -> bool {
        let args: Vec<String> = std::env::args().collect();
        match args.get(1).map(String::as_str) {
            Some(PRODUCER_FLAG) => {
                let count: usize = args[2].parse().unwrap();
                let mut pipe = BufWriter::with_capacity(1 << 16, io::stdout().lock());
                for seq in 0..count as u64 {
                    ipc::write_message(&mut pipe, &message(seq)).unwrap();
                }
                pipe.flush().unwrap();
                true
            }
            Some(POOL_WORKER_FLAG) => {
                // u128 results go back as text: JSON numbers are at most 64 bits.
                process_pool::serve(|_, _, n: u64| compute(n).to_string()).unwrap();
                true
            }
            _ => false,
        }
    }
}

#[cfg(unix)]
criterion::criterion_group!(benches, unix::start, unix::messages, unix::cpu_pool);

// criterion_main!, plus the worker-process entry points.
fn main() {
    #[cfg(unix)]
    {
        if unix::run_as_worker() {
            return;
        }
        benches();
        criterion::Criterion::default()
            .configure_from_args()
            .final_summary();
    }
}
