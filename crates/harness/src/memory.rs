//! Memory probes for the examples' summaries: peak resident memory of this
//! process and of its reaped children (Linux and Unix; `None` elsewhere).

/// This process's peak resident memory since the last [`reset_peak`], in MiB
/// (Linux only; `None` elsewhere).
pub fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(mib(kib))
}

/// The largest peak resident memory of any child process reaped so far, in
/// MiB (Unix only): what one worker process used.
pub fn children_peak_mib() -> Option<f64> {
    #[cfg(unix)]
    {
        use nix::sys::resource::{UsageWho, getrusage};
        let usage = getrusage(UsageWho::RUSAGE_CHILDREN).ok()?;
        let kib = usage.max_rss() as f64; // Linux reports KiB
        if kib > 0.0 {
            return Some(mib(kib));
        }
    }
    None
}

/// This process's resident memory now, in KiB (Linux only; `None` elsewhere).
pub fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Starts a new peak-memory measurement (Linux: writes 5 to `/proc/self/clear_refs`).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// KiB to MiB, to one decimal.
fn mib(kib: f64) -> f64 {
    (kib / 1024.0 * 10.0).round() / 10.0
}

/// The file in criterion's folder where benches leave the peak memory of a
/// bench (criterion measures only time), keyed by bench ID, for
/// `cargo xtask bench-tables`.
pub const BENCH_PEAK_MEMORY_FILE: &str = "peak-memory.json";

/// Records `mib` as the peak memory of bench `id` in `criterion` (the
/// criterion folder), keeping what other benches recorded there.
pub fn save_bench_peak(criterion: &std::path::Path, id: &str, mib: f64) -> std::io::Result<()> {
    use serde_json::{Map, Value};
    let path = criterion.join(BENCH_PEAK_MEMORY_FILE);
    let mut peaks: Map<String, Value> = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_default(),
        Err(_) => Map::new(),
    };
    peaks.insert(id.to_string(), mib.into());
    std::fs::create_dir_all(criterion)?;
    let text = serde_json::to_string_pretty(&Value::Object(peaks))?;
    atomic_write::write_atomically(&path, text.as_bytes())
}
