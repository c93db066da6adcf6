// add_done_callback with rayon: each task calls its callback itself, after
// its work, on the worker thread that ran it. Needs rayon (`cargo add rayon`).
use std::thread;
use std::time::Duration;

fn do_something(seconds: f64) -> String {
    thread::sleep(Duration::from_secs_f64(seconds));
    format!("slept {seconds} s")
}

fn main() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|index| format!("pool-{}", index + 1))
        .build()
        .expect("a pool of two threads");
    // The callback: it says which thread it runs on.
    let on_done = |task: usize, result: &str| {
        let name = thread::current().name().unwrap_or("unnamed").to_string();
        println!("[{name}] task {task}: {result}");
    };
    // A rayon scope returns only once every task spawned in it has ended.
    pool.scope(|scope| {
        for (task, seconds) in [0.3, 0.24, 0.18, 0.12].into_iter().enumerate() {
            scope.spawn(move |_| {
                let result = do_something(seconds);
                on_done(task, &result);
            });
        }
    });
    println!("[main] every task is done");
}
