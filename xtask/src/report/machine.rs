//! What the report says of the machine it ran on, and the date.

use std::process::Command;
use std::time::SystemTime;

use super::*;

/// Cores, CPU model, OS, rustc, and Python with its packages.
pub(super) fn machine_description(python: Option<&Python>) -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            (info.lines())
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| {
            (release.lines())
                .find_map(|line| line.strip_prefix("PRETTY_NAME="))
                .map(|name| name.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let command_says = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| format!("{program}: unknown"))
    };
    let python = match python {
        None => "no Python".to_string(),
        Some(p) => format!(
            "Python {}, Pillow {}, requests {}{}",
            p.version,
            p.pillow.as_deref().unwrap_or("missing"),
            p.requests.as_deref().unwrap_or("missing"),
            p.free_threaded
                .as_ref()
                .map_or(String::new(), |ft| format!(", free-threaded {ft}"))
        ),
    };
    format!(
        "{} cores ({model}), {os} (Linux {}), {}, {python}",
        cores(),
        command_says("uname", "-r"),
        command_says("rustc", "--version"),
    )
}

/// Cores, CPU model, OS and rustc, for figures that involve no Python.
pub fn rust_machine_description() -> String {
    machine_description(None)
}

/// This moment, to name a report run: `2026-12-07 07:50:12 UTC`.
pub fn run_id() -> String {
    let seconds = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() % 86_400);
    let (hours, minutes) = (seconds / 3600, seconds / 60 % 60);
    format!(
        "{} {hours:02}:{minutes:02}:{:02} UTC",
        today(),
        seconds % 60
    )
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
pub fn today() -> String {
    let days = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
