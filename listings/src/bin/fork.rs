// fork: the child is a copy of this process, memory and all, and goes on
// from the same line. Needs nix (`cargo add nix --features process`); Unix
// only.
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};

fn main() {
    let mut counter = 10;
    // SAFETY: this program has a single thread when it forks, so the child
    // cannot inherit a lock held by a thread that does not exist in it.
    match unsafe { fork() }.expect("fork") {
        ForkResult::Child => {
            counter += 1;
            println!("child: counter = {counter}, in its own copy of memory");
            // exit flushes buffers the parent had before the fork too; here
            // there were none (the page shows why a child usually _exits).
            std::process::exit(0);
        }
        ForkResult::Parent { child } => {
            let status = waitpid(child, None).expect("the child is reaped");
            println!("parent: counter = {counter}, unchanged");
            println!("the child ended: {status:?}");
        }
    }
}
