//! Speedups over a baseline mode, for the examples that compare modes
//! (`cpu_bound`, `process_images`): the ideal line of each timeline, the
//! speedup and efficiency keys of the summary, and the closing table.

use crate::println;
use std::time::Duration;

use super::cli::Summary;
use timeline::Ideal;

/// The modes measured so far against the baseline (the first one flagged so).
#[derive(Default)]
pub struct Speedups {
    baseline: Option<Duration>,
    rows: Vec<(String, Duration, Option<Speedup>)>,
}

/// How much faster than the baseline, and how much of the best possible.
#[derive(Clone, Copy)]
pub struct Speedup {
    pub speedup: f64,
    /// The speedup over `at_once`, the tasks that could run at once
    pub efficiency: f64,
}

impl Speedups {
    /// Where a timeline's ideal line goes, for a mode whose `workers` threads
    /// or processes ran tasks at once on `cores` cores: the sum of the tasks
    /// for the baseline; the baseline over the cores it could use once there
    /// is one; without one, the sum of the tasks over the workers.
    pub fn ideal(&self, is_baseline: bool, workers: usize, cores: usize) -> Ideal {
        match self.baseline {
            _ if is_baseline => Ideal::SumOfTasks,
            Some(sequential) => Ideal::SequentialOver {
                sequential,
                cores: workers.min(cores),
            },
            None => Ideal::SumOver { workers },
        }
    }

    /// Records a mode's time; its speedup, once there is a baseline.
    pub fn add(
        &mut self,
        mode: &str,
        is_baseline: bool,
        elapsed: Duration,
        at_once: usize,
    ) -> Option<Speedup> {
        if is_baseline {
            self.baseline = Some(elapsed);
        }
        let speedup = self.baseline.map(|base| {
            let speedup = base.as_secs_f64() / elapsed.as_secs_f64();
            Speedup {
                speedup,
                efficiency: speedup / at_once as f64,
            }
        });
        self.rows.push((mode.to_string(), elapsed, speedup));
        speedup
    }

    /// Prints every mode's time, speedup and efficiency.
    pub fn print(&self) {
        println!("mode          elapsed   speedup  efficiency");
        for (name, elapsed, speedup) in &self.rows {
            let (speedup, efficiency) = match speedup {
                Some(s) => (
                    format!("{:.2}x", s.speedup),
                    format!("{:.0}%", s.efficiency * 100.0),
                ),
                None => ("-".into(), "-".into()),
            };
            println!(
                "{name:<10} {:>8.1} ms {speedup:>9} {efficiency:>11}",
                elapsed.as_secs_f64() * 1000.0
            );
        }
    }
}

impl Summary {
    /// Adds the `speedup` and `efficiency` keys, if there is a speedup.
    pub fn with_speedup(self, speedup: Option<Speedup>) -> Summary {
        match speedup {
            Some(s) => self
                .with("speedup", round2(s.speedup))
                .with("efficiency", round2(s.efficiency)),
            None => self,
        }
    }
}

/// Two decimals, as the summaries print ratios.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
