// One switch between threads and processes: an enum whose `map` runs the
// same work on rayon's threads, or in child processes of this same program.
// Needs rayon (`cargo add rayon`).
use std::env;
use std::process::Command;

use rayon::prelude::*;

fn work(n: u64) -> u64 {
    (0..n).map(|i| i % 7).sum()
}

enum Backend {
    Threads,
    Processes,
}

impl Backend {
    fn map(&self, numbers: &[u64]) -> Vec<u64> {
        match self {
            Backend::Threads => numbers.par_iter().map(|&n| work(n)).collect(),
            Backend::Processes => {
                let me = env::current_exe().expect("this program's path");
                let children: Vec<_> = (numbers.iter())
                    .map(|n| {
                        let mut child = Command::new(&me);
                        child.args(["--work", &n.to_string()]);
                        child.stdout(std::process::Stdio::piped());
                        child.spawn().expect("a child starts")
                    })
                    .collect();
                (children.into_iter())
                    .map(|child| {
                        let output = child.wait_with_output().expect("the child is reaped");
                        assert!(output.status.success(), "a child failed: {}", output.status);
                        let text = String::from_utf8_lossy(&output.stdout);
                        text.trim().parse().expect("the child printed a number")
                    })
                    .collect()
            }
        }
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if let [_, flag, n] = &args[..] {
        assert_eq!(flag, "--work", "a child is started with --work N");
        println!("{}", work(n.parse().expect("--work takes a number")));
        return;
    }
    let numbers = [100_000, 200_000, 300_000];
    for (name, backend) in [
        ("threads", Backend::Threads),
        ("processes", Backend::Processes),
    ] {
        println!("{name:9}: {:?}", backend.map(&numbers));
    }
}
