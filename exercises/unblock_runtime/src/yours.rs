//! This code runs on a tokio runtime next to other tasks, and it stalls
//! them: twice it holds the runtime's thread without awaiting. Find both
//! places, and change them so that the other tasks keep running, while
//! `process` still returns the same checksums in the same order.
//! Practises "Blocking the event loop".

use std::time::Duration;

use crate::slow_checksum;

/// Waits `pause` (a rate limit between requests, say), then checksums each
/// payload; the checksums in the order of the payloads.
pub async fn process(payloads: Vec<Vec<u8>>, pause: Duration) -> Vec<u64> {
    let mut checksums = Vec::new();
    for payload in payloads {
        std::thread::sleep(pause);
        checksums.push(slow_checksum(&payload));
    }
    checksums
}
