// At most three at once: a channel that holds three tokens is a semaphore.
// Taking a token is acquire, sending it back is release. Needs crossbeam
// (`cargo add crossbeam`), whose receivers can be shared by any threads.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crossbeam::channel::{self, Sender};

/// A token taken from the channel; dropping it sends it back, on every path
/// out of the task, a panic included (Python's `with sem:`).
struct Permit<'a>(&'a Sender<()>);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let _ = self.0.send(()); // release
    }
}

fn main() {
    let (release, acquire) = channel::bounded::<()>(3);
    for _ in 0..3 {
        release.send(()).expect("room for three tokens");
    }
    let running = AtomicUsize::new(0);
    let most = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _download in 0..10 {
            let (release, acquire) = (&release, acquire.clone());
            let (running, most) = (&running, &most);
            scope.spawn(move || {
                acquire.recv().expect("a token comes back"); // waits while none is left
                let _permit = Permit(release);
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(100)); // downloading
                running.fetch_sub(1, Ordering::SeqCst);
            }); // _permit dropped here: the token goes back
        }
    });
    let most = most.load(Ordering::SeqCst);
    println!("10 downloads, at most {most} at once");
}
