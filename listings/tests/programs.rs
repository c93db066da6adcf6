//! Runs every whole-program listing and checks what it promises: it ends
//! well, and its output shows the order of events the chapter describes.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;
use std::thread;
use std::time::{Duration, Instant};

/// Every listing's program, by its binary's path.
const PROGRAMS: [&str; 28] = [
    env!("CARGO_BIN_EXE_as_completed"),
    env!("CARGO_BIN_EXE_barrier"),
    env!("CARGO_BIN_EXE_chunks"),
    env!("CARGO_BIN_EXE_cpu_bound"),
    env!("CARGO_BIN_EXE_deadlock"),
    env!("CARGO_BIN_EXE_done_callbacks"),
    env!("CARGO_BIN_EXE_events"),
    env!("CARGO_BIN_EXE_fork"),
    env!("CARGO_BIN_EXE_locks"),
    env!("CARGO_BIN_EXE_loop_join"),
    env!("CARGO_BIN_EXE_lost_update"),
    env!("CARGO_BIN_EXE_manual_threads"),
    env!("CARGO_BIN_EXE_pipes"),
    env!("CARGO_BIN_EXE_pool_map"),
    env!("CARGO_BIN_EXE_pool_submit"),
    env!("CARGO_BIN_EXE_primitive_cost"),
    env!("CARGO_BIN_EXE_process_pool"),
    env!("CARGO_BIN_EXE_processes"),
    env!("CARGO_BIN_EXE_rwlock"),
    env!("CARGO_BIN_EXE_semaphore"),
    env!("CARGO_BIN_EXE_switching"),
    env!("CARGO_BIN_EXE_sync_script"),
    env!("CARGO_BIN_EXE_thread_args"),
    env!("CARGO_BIN_EXE_thread_local"),
    env!("CARGO_BIN_EXE_tiny_pool"),
    env!("CARGO_BIN_EXE_wait_first"),
    env!("CARGO_BIN_EXE_worker_count"),
    env!("CARGO_BIN_EXE_worker_setup"),
];

/// What each program printed. All of them run at once, the first time a
/// test asks: most of them sleep, so together they take about as long as
/// the longest alone.
static OUTPUTS: LazyLock<HashMap<&'static str, Result<Vec<String>, String>>> =
    LazyLock::new(|| {
        let started: Vec<(&str, Child)> = (PROGRAMS.iter())
            .map(|&binary| (binary, start(binary)))
            .collect();
        (started.into_iter())
            .map(|(binary, child)| (binary, finish(binary, child)))
            .collect()
    });

fn start(binary: &str) -> Child {
    Command::new(binary)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{binary} does not start: {e}"))
}

/// Its stdout's lines, once it has exited with 0. A program still running
/// a minute after it started (a deadlock, say) is killed: an error.
fn finish(binary: &str, mut child: Child) -> Result<Vec<String>, String> {
    // Read while it runs, so that a full pipe cannot stall it.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{binary} still ran after 60 s"));
        }
        thread::sleep(Duration::from_millis(10));
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    if !status.success() {
        return Err(format!(
            "{binary}: {status}\n{}",
            String::from_utf8_lossy(&err)
        ));
    }
    let text = String::from_utf8(out).map_err(|e| format!("{binary}: {e}"))?;
    Ok(text.lines().map(String::from).collect())
}

/// A listing's output lines; the test fails if it did not end well.
fn run(binary: &'static str) -> Vec<String> {
    match &OUTPUTS[binary] {
        Ok(lines) => lines.clone(),
        Err(why) => panic!("{why}"),
    }
}

/// The index of each line that starts with `prefix`.
fn positions(lines: &[String], prefix: &str) -> Vec<usize> {
    (lines.iter().enumerate())
        .filter(|(_, line)| line.starts_with(prefix))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn the_sync_script_finishes_one_task_before_it_starts_the_next() {
    let lines = run(env!("CARGO_BIN_EXE_sync_script"));
    assert_eq!(
        lines[..4],
        [
            "Sleeping 1 second...",
            "Done sleeping.",
            "Sleeping 1 second...",
            "Done sleeping."
        ]
    );
    assert!(lines[4].starts_with("Finished in "), "{lines:?}");
}

#[test]
fn manual_threads_start_both_tasks_before_either_ends() {
    let lines = run(env!("CARGO_BIN_EXE_manual_threads"));
    let (started, done) = (positions(&lines, "Sleeping"), positions(&lines, "Done"));
    assert_eq!((started.len(), done.len()), (2, 2), "{lines:?}");
    assert!(started[1] < done[0], "both sleep at once: {lines:?}");
}

#[test]
fn ten_threads_all_start_before_the_first_ends() {
    let lines = run(env!("CARGO_BIN_EXE_loop_join"));
    let (started, done) = (positions(&lines, "Sleeping"), positions(&lines, "Done"));
    assert_eq!((started.len(), done.len()), (10, 10), "{lines:?}");
    assert!(started[9] < done[0], "all ten sleep at once: {lines:?}");
    assert!(lines.last().unwrap().starts_with("Finished in "));
}

#[test]
fn thread_results_come_back_in_the_order_they_were_asked_for() {
    let lines = run(env!("CARGO_BIN_EXE_thread_args"));
    let results: Vec<&String> = lines.iter().filter(|l| l.starts_with("Done")).collect();
    assert_eq!(
        results,
        [
            "Done sleeping 1 second(s)",
            "Done sleeping 0.8 second(s)",
            "Done sleeping 0.6 second(s)",
            "Done sleeping 0.4 second(s)",
            "Done sleeping 0.2 second(s)"
        ]
    );
}

/// The results the programs print, in the order they print them.
fn results(lines: &[String]) -> Vec<&str> {
    (lines.iter())
        .filter(|line| line.starts_with("Done"))
        .map(String::as_str)
        .collect()
}

const IN_SUBMISSION_ORDER: [&str; 5] = [
    "Done sleeping 1 second(s)",
    "Done sleeping 0.8 second(s)",
    "Done sleeping 0.6 second(s)",
    "Done sleeping 0.4 second(s)",
    "Done sleeping 0.2 second(s)",
];

#[test]
fn futures_give_their_results_in_the_order_they_were_submitted() {
    let lines = run(env!("CARGO_BIN_EXE_pool_submit"));
    assert_eq!(results(&lines), IN_SUBMISSION_ORDER, "{lines:?}");
}

#[test]
fn as_completed_prints_the_shortest_task_first() {
    let lines = run(env!("CARGO_BIN_EXE_as_completed"));
    let mut by_completion = IN_SUBMISSION_ORDER;
    by_completion.reverse();
    assert_eq!(results(&lines), by_completion, "{lines:?}");
}

#[test]
fn map_keeps_the_order_of_its_inputs() {
    let lines = run(env!("CARGO_BIN_EXE_pool_map"));
    assert_eq!(results(&lines), IN_SUBMISSION_ORDER, "{lines:?}");
    let (started, done) = (positions(&lines, "Sleeping"), positions(&lines, "Done"));
    assert!(started[4] < done[0], "all five sleep at once: {lines:?}");
}

#[test]
fn a_mutex_keeps_the_total_of_every_transfer() {
    let lines = run(env!("CARGO_BIN_EXE_locks"));
    assert_eq!(lines.last().unwrap(), "total = 200 (was 200)", "{lines:?}");
}

#[test]
fn readers_hold_a_read_lock_together_and_the_writer_waits_for_them() {
    let lines = run(env!("CARGO_BIN_EXE_rwlock"));
    let most: usize = (lines.iter())
        .find_map(|l| l.strip_prefix("at most ")?.split(' ').next()?.parse().ok())
        .expect("the most readers at once");
    // All four held their guards when the writer asked.
    assert_eq!(most, 4, "{lines:?}");
    assert_eq!(positions(&lines, "reader ").len(), 4);
    // The writer asked while all four read, and got the lock after the last.
    let wrote = positions(&lines, "the writer waited ")[0];
    assert!(
        positions(&lines, "reader ").iter().all(|&r| r < wrote),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().unwrap(),
        "now: \"blur 15, fit 1200, quality 85\""
    );
}

#[test]
fn workers_stop_after_the_flag_is_raised() {
    let lines = run(env!("CARGO_BIN_EXE_events"));
    let raised = positions(&lines, "main: stop")[0];
    let stopped = positions(&lines, "worker ");
    assert_eq!(stopped.len(), 2, "{lines:?}");
    assert!(stopped.iter().all(|&at| at > raised), "{lines:?}");
}

#[test]
fn nobody_passes_the_barrier_before_everyone_reaches_it() {
    let lines = run(env!("CARGO_BIN_EXE_barrier"));
    let phase_one: Vec<usize> = (lines.iter().enumerate())
        .filter(|(_, l)| l.ends_with("phase one done"))
        .map(|(i, _)| i)
        .collect();
    let after: Vec<usize> = (lines.iter().enumerate())
        .filter(|(_, l)| l.ends_with("phase two") || l.ends_with("done with phase one"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!((phase_one.len(), after.len()), (3, 4), "{lines:?}");
    assert!(phase_one.iter().max() < after.iter().min(), "{lines:?}");
}

#[test]
fn each_thread_reuses_its_own_buffer() {
    let lines = run(env!("CARGO_BIN_EXE_thread_local"));
    assert_eq!(positions(&lines, "thread ").len(), 2, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.ends_with("one buffer for all three: true")),
        "{lines:?}"
    );
}

#[test]
fn philosophers_who_take_the_lower_fork_first_all_eat() {
    let lines = run(env!("CARGO_BIN_EXE_deadlock"));
    assert_eq!(positions(&lines, "philosopher ").len(), 5, "{lines:?}");
    assert_eq!(
        lines.last().unwrap(),
        "everyone ate; nobody waited for ever"
    );
}

#[test]
fn callbacks_run_on_the_pool_threads_and_main_waits_for_all() {
    let lines = run(env!("CARGO_BIN_EXE_done_callbacks"));
    let on_pool = (lines.iter()).filter(|l| l.starts_with("[pool-")).count();
    assert_eq!(on_pool, 4, "{lines:?}");
    assert_eq!(lines.last().unwrap(), "[main] every task is done");
}

#[test]
fn rayon_keeps_order_when_collecting_and_loses_nothing_unordered() {
    let lines = run(env!("CARGO_BIN_EXE_chunks"));
    assert_eq!(
        lines,
        [
            "ordered: 20000 results, in order: true",
            "pieces of 1000 or more: same results: true",
            "unordered: 20000 results, the same ones: true"
        ]
    );
}

#[test]
fn the_tiny_pool_returns_results_in_submission_order_and_joins_its_workers() {
    let lines = run(env!("CARGO_BIN_EXE_tiny_pool"));
    assert_eq!(
        lines,
        [
            "slept 0.3 s",
            "slept 0.2 s",
            "slept 0.1 s",
            "the pool is shut down, every worker joined"
        ]
    );
}

#[test]
fn three_tokens_let_at_most_three_run_at_once() {
    let lines = run(env!("CARGO_BIN_EXE_semaphore"));
    let most: usize = (lines[0].split("at most ").nth(1))
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .expect("the most at once");
    // Ten threads that each hold a token for 100 ms: without the tokens,
    // all ten would run at once.
    assert!((1..=3).contains(&most), "{lines:?}");
}

#[test]
fn the_first_mirror_to_answer_wins() {
    let lines = run(env!("CARGO_BIN_EXE_wait_first"));
    assert_eq!(lines[0], "first: mirror b", "{lines:?}");
}

#[test]
fn each_worker_connects_once_and_every_task_finds_a_connection() {
    let lines = run(env!("CARGO_BIN_EXE_worker_setup"));
    assert_eq!(positions(&lines, "worker ").len(), 2, "{lines:?}");
    let tasks: Vec<&String> = lines.iter().filter(|l| l.starts_with("task ")).collect();
    assert_eq!(tasks.len(), 6, "{lines:?}");
    assert!(
        tasks.iter().all(|l| l.contains("used connection ")),
        "{lines:?}"
    );
}

#[test]
fn threads_compute_the_same_results_as_one_loop() {
    let lines = run(env!("CARGO_BIN_EXE_cpu_bound"));
    assert_eq!(lines.last().unwrap(), "same results: true", "{lines:?}");
}

#[test]
fn fetch_add_never_loses_an_update() {
    let lines = run(env!("CARGO_BIN_EXE_lost_update"));
    assert_eq!(
        lines[1], "fetch_add:        2000000 of 2000000",
        "{lines:?}"
    );
    let two_steps: u64 = (lines[0].split(": ").nth(1))
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .expect("the two-step count");
    assert!(two_steps <= 2_000_000, "{lines:?}");
}

#[test]
fn each_task_runs_in_a_process_of_its_own() {
    let lines = run(env!("CARGO_BIN_EXE_processes"));
    let mut pids: Vec<&str> = (lines.iter())
        .filter_map(|l| l.strip_prefix("process ")?.split(':').next())
        .collect();
    assert_eq!(pids.len(), 3, "{lines:?}");
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), 3, "three different processes: {lines:?}");
}

#[test]
fn the_child_squares_what_comes_down_the_pipe() {
    let lines = run(env!("CARGO_BIN_EXE_pipes"));
    assert_eq!(
        lines,
        [
            "squares from the child: 1, 4, 9, 16, 25",
            "child exited: exit status: 0"
        ]
    );
}

#[test]
fn waiting_jobs_run_on_every_worker_count() {
    let lines = run(env!("CARGO_BIN_EXE_worker_count"));
    assert_eq!(positions(&lines, "").len(), 8, "{lines:?}");
    assert!(
        lines[1].trim_start().starts_with("1 workers: "),
        "{lines:?}"
    );
}

#[test]
fn every_add_is_counted_however_it_is_made() {
    let lines = run(env!("CARGO_BIN_EXE_primitive_cost"));
    assert_eq!(lines.last().unwrap(), "every add counted: true");
}

#[test]
fn a_forked_child_changes_only_its_own_copy() {
    let lines = run(env!("CARGO_BIN_EXE_fork"));
    assert_eq!(lines[0], "child: counter = 11, in its own copy of memory");
    assert_eq!(lines[1], "parent: counter = 10, unchanged");
    assert!(lines[2].ends_with(", 0)"), "exited with 0: {lines:?}");
}

#[test]
fn threads_and_processes_compute_the_same_results() {
    let lines = run(env!("CARGO_BIN_EXE_switching"));
    let results: Vec<&str> = (lines.iter())
        .filter_map(|l| l.split(": ").nth(1))
        .collect();
    assert_eq!(results.len(), 2, "{lines:?}");
    assert_eq!(results[0], results[1], "{lines:?}");
}

#[test]
fn two_worker_processes_answer_every_task_in_order_and_end() {
    let lines = run(env!("CARGO_BIN_EXE_process_pool"));
    for (i, n) in (1..=6u64).enumerate() {
        let expected = format!("{n} squared is {} (worker ", n * n);
        assert!(lines[i].starts_with(&expected), "{lines:?}");
    }
    let worker = |line: &String| line.rsplit("worker ").next().map(str::to_string);
    assert_ne!(
        worker(&lines[0]),
        worker(&lines[1]),
        "two workers take turns"
    );
    assert_eq!(worker(&lines[0]), worker(&lines[2]), "each worker stays up");
    assert_eq!(positions(&lines, "a worker ended: exit status: 0").len(), 2);
}

#[test]
fn every_listing_is_run_here() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bin");
    let mut files: Vec<String> = (std::fs::read_dir(dir).expect("src/bin").flatten())
        .filter_map(|entry| Some(entry.path().file_stem()?.to_str()?.to_string()))
        .collect();
    files.sort();
    let mut run: Vec<String> = (PROGRAMS.iter())
        .map(|path| {
            let name = std::path::Path::new(path).file_stem().unwrap();
            name.to_string_lossy().into_owned()
        })
        .collect();
    run.sort();
    assert_eq!(files, run, "add each new listing to PROGRAMS and test it");
}
