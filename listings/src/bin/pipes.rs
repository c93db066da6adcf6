// A pipe each way: the parent writes numbers to its child's stdin, one per
// line, and reads their squares back from the child's stdout. Only std.
use std::env;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn main() {
    if env::args().nth(1).as_deref() == Some("--child") {
        // The child: a line in, a line out, until its stdin closes.
        for line in std::io::stdin().lock().lines() {
            let n: u64 = line.expect("a line").trim().parse().expect("a number");
            println!("{}", n * n);
        }
        return;
    }
    let me = env::current_exe().expect("this program's path");
    let mut child = Command::new(me)
        .arg("--child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the child starts");
    // Five lines fit in the pipe's buffer; for more, write from a thread
    // while reading, or both ends wait for ever.
    let mut to_child = child.stdin.take().expect("piped");
    for n in 1..=5 {
        writeln!(to_child, "{n}").expect("the child reads");
    }
    drop(to_child); // end of input: the child's loop ends
    let from_child = BufReader::new(child.stdout.take().expect("piped"));
    let squares: Vec<String> = from_child.lines().map(|l| l.expect("a line")).collect();
    let status = child.wait().expect("the child is reaped");
    println!("squares from the child: {}", squares.join(", "));
    println!("child exited: {status}");
}
