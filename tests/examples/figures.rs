//! `--svg` and `--trace`: every mode's timeline as an SVG chart (one bar per
//! task) and the whole run as a Chrome trace (one complete event per task).

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::common::{run_example, scratch, summaries, svg_chart};
use serde_json::Value;

/// The number of task bars in a timeline SVG: rectangles in the workers'
/// colours, less one legend entry per worker.
fn bars(svg: &Path, workers: usize) -> usize {
    let (_, filled) = svg_chart(&fs::read_to_string(svg).unwrap());
    filled.iter().sum::<usize>() - workers
}

fn trace(path: &Path) -> Vec<Value> {
    let trace: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    trace["traceEvents"]
        .as_array()
        .expect("a traceEvents array")
        .clone()
}

#[test]
fn loop_join_draws_each_mode_and_traces_the_whole_run() {
    let dir = scratch("figures-loop-join");
    let (svg, trace_file) = (dir.join("timeline.svg"), dir.join("trace.json"));
    let args = [
        "--tasks",
        "3",
        "--seconds",
        "0.1",
        "--svg",
        svg.to_str().unwrap(),
        "--trace",
        trace_file.to_str().unwrap(),
    ];
    let runs = summaries("loop_join", &args, 3);
    let events = trace(&trace_file);
    for (pid, run) in runs.iter().enumerate() {
        let mode = run["mode"].as_str().unwrap();
        // Several modes: one SVG each, named after the mode.
        let workers = run["threads_used"].as_u64().unwrap() as usize;
        assert_eq!(
            bars(&dir.join(format!("timeline-{mode}.svg")), workers),
            3,
            "{mode}"
        );
        // One process per mode in the trace, named after it, and one
        // complete event per task, at least as long as the task's sleep.
        let pid = pid as u64 + 1;
        let named = events.iter().any(|e| {
            e["ph"] == "M"
                && e["name"] == "process_name"
                && e["pid"] == pid
                && e["args"]["name"] == mode
        });
        assert!(named, "{mode}: no process named after it");
        let tasks: Vec<&Value> = (events.iter())
            .filter(|e| e["ph"] == "X" && e["pid"] == pid)
            .collect();
        assert_eq!(tasks.len(), 3, "{mode}");
        let elapsed_us = run["elapsed_s"].as_f64().unwrap() * 1e6;
        for task in tasks {
            let (ts, dur) = (task["ts"].as_f64().unwrap(), task["dur"].as_f64().unwrap());
            assert!(dur >= 100_000.0, "{mode}: {task}");
            assert!(
                ts + dur <= elapsed_us + 1_000.0,
                "{mode}: inside the run: {task}"
            );
        }
    }
    assert!(!svg.exists(), "several modes never write the plain name");
}

#[test]
fn one_mode_writes_the_file_named_and_processes_are_tracks() {
    let dir = scratch("figures-processes");
    let (svg, trace_file) = (dir.join("photos.svg"), dir.join("photos.json"));
    let args = [
        "--tasks",
        "4",
        "--size",
        "300x200",
        "--workers",
        "2",
        "--mode",
        "processes",
        "--out",
        dir.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
        "--trace",
        trace_file.to_str().unwrap(),
    ];
    let run = summaries("process_images", &args, 1).remove(0);
    assert_eq!(run["failed"], 0, "{run}");
    let tracks: Vec<String> = (trace(&trace_file).iter())
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap().to_string())
        .collect();
    assert!((1..=2).contains(&tracks.len()), "{tracks:?}");
    assert!(
        tracks.iter().all(|t| t.starts_with("pid ")),
        "one track per worker process: {tracks:?}"
    );
    assert_eq!(bars(&svg, tracks.len()), 4);
}

#[test]
fn an_unwritable_figure_is_a_clear_error() {
    let dir = scratch("figures-unwritable");
    fs::write(dir.join("a-file"), b"").unwrap();
    let bad = dir.join("a-file").join("trace.json");
    let output = run_example(
        "sync_script",
        &[
            "--tasks",
            "1",
            "--seconds",
            "0.01",
            "--trace",
            bad.to_str().unwrap(),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--trace") && stderr.contains("a-file/trace.json"),
        "{stderr}"
    );
}

/// Each mode's ideal line is the one that means something for it: the sum of
/// the tasks for a sequential run, the sequential time over the cores for
/// parallel CPU work (once the sequential run is known), the longest task
/// where the tasks wait rather than compute.
#[test]
fn each_mode_is_drawn_against_its_own_ideal() {
    let out = scratch("figures-ideals");
    let photos_out = out.join("photos");
    // (example, its flags, each mode and its ideal)
    type Case<'a> = (&'a str, Vec<&'a str>, &'a [(&'a str, &'a str)]);
    let cases: [Case; 6] = [
        (
            "sync_script",
            vec!["--tasks", "2", "--seconds", "0.01"],
            &[("seq", "sum_of_tasks")],
        ),
        (
            "loop_join",
            vec!["--tasks", "2", "--seconds", "0.01", "--mode", "two-loops"],
            &[("two-loops", "longest_task")],
        ),
        (
            "cpu_bound",
            vec!["--tasks", "2", "--n", "1000"],
            &[
                ("seq", "sum_of_tasks"),
                ("threads", "sequential_over_cores"),
                ("rayon", "sequential_over_cores"),
                ("processes", "sequential_over_cores"),
            ],
        ),
        (
            "process_images",
            flags_with_out("--tasks 2 --size 60x40 --out", &photos_out),
            &[
                ("seq", "sum_of_tasks"),
                ("threads", "sequential_over_cores"),
                ("rayon", "sequential_over_cores"),
                ("processes", "sequential_over_cores"),
                ("rayon-inner", "sequential_over_cores"),
            ],
        ),
        // Without a sequential run to compare with: the tasks over the workers.
        (
            "cpu_bound",
            vec!["--tasks", "2", "--n", "1000", "--mode", "rayon"],
            &[("rayon", "sum_over_workers")],
        ),
        (
            "process_images",
            flags_with_out("--tasks 2 --size 60x40 --mode processes --out", &photos_out),
            &[("processes", "sum_over_workers")],
        ),
    ];
    for (example, args, expected) in cases {
        let runs = summaries(example, &args, expected.len());
        let found: Vec<(&str, &str)> = (runs.iter())
            .map(|run| {
                (
                    run["mode"].as_str().unwrap(),
                    run["ideal"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(found, expected, "{example}");
        for run in &runs {
            assert!(run["ideal_s"].is_number(), "{example}: {run}");
        }
    }
}

fn flags_with_out<'a>(line: &'a str, out: &'a Path) -> Vec<&'a str> {
    let mut args: Vec<&str> = line.split_whitespace().collect();
    args.push(out.to_str().unwrap());
    args
}
