// A process per task: the program starts itself again with `--task SECONDS`,
// and each child does its task and prints its answer. Only std.
use std::env;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = env::args().collect();
    if let [_, flag, seconds] = &args[..] {
        assert_eq!(flag, "--task", "a child is started with --task SECONDS");
        let seconds: f64 = seconds.parse().expect("--task takes seconds");
        thread::sleep(Duration::from_secs_f64(seconds));
        println!("process {}: task done", std::process::id());
        return;
    }
    let me = env::current_exe().expect("this program's path");
    let start = Instant::now();
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(&me)
                .args(["--task", "0.5"])
                .stdout(Stdio::piped())
                .spawn()
                .expect("a child starts")
        })
        .collect();
    // wait_with_output reaps each child: no zombie is left behind.
    for child in children {
        let output = child.wait_with_output().expect("the child is reaped");
        print!("{}", String::from_utf8_lossy(&output.stdout));
        if !output.status.success() {
            eprintln!("a child failed: {}", output.status);
        }
    }
    println!("3 processes in {:.2} s", start.elapsed().as_secs_f64());
}
