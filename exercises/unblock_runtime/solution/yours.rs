//! A worked solution: the pause is awaited (`tokio::time::sleep`), and the
//! CPU work goes to tokio's blocking pool (`spawn_blocking`), so the task
//! gives the runtime's thread back at both.

use std::time::Duration;

use crate::slow_checksum;

/// Waits `pause` (a rate limit between requests, say), then checksums each
/// payload; the checksums in the order of the payloads.
pub async fn process(payloads: Vec<Vec<u8>>, pause: Duration) -> Vec<u64> {
    let mut checksums = Vec::new();
    for payload in payloads {
        tokio::time::sleep(pause).await;
        let checksum = tokio::task::spawn_blocking(move || slow_checksum(&payload));
        checksums.push(checksum.await.expect("the checksum panicked"));
    }
    checksums
}
