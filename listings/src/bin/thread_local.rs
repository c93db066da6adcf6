// thread_local!: one scratch buffer per thread, made the first time that
// thread needs it and reused by every task it runs. Only std.
use std::cell::RefCell;
use std::thread;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(1 << 20));
}

/// A task that needs a big buffer: it borrows its thread's.
fn checksum(seed: u8) -> u64 {
    SCRATCH.with_borrow_mut(|buffer| {
        buffer.clear();
        buffer.extend((0..1_000u32).map(|i| seed.wrapping_add(i as u8)));
        buffer.iter().map(|&b| u64::from(b)).sum()
    })
}

fn main() {
    thread::scope(|scope| {
        for worker in 0..2u8 {
            scope.spawn(move || {
                let mut buffers = Vec::new(); // where each task found the buffer
                let sums: Vec<u64> = (0..3)
                    .map(|task| {
                        let sum = checksum(worker * 10 + task);
                        buffers.push(SCRATCH.with_borrow(|buffer| buffer.as_ptr()));
                        sum
                    })
                    .collect();
                let one = buffers.windows(2).all(|pair| pair[0] == pair[1]);
                println!("thread {worker}: sums {sums:?}, one buffer for all three: {one}");
            });
        }
    });
}
