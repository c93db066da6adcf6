//! The report's headlines: one or two sentences per topic, with the run's
//! own figures, for the chapters to include.

use super::*;

impl Tables<'_> {
    /// One or two sentences per topic, with the run's own figures, for the
    /// chapters to include where they would otherwise retype them.
    pub(super) fn headlines(&self) -> Vec<(&'static str, String)> {
        let no_python = "Python was skipped in this run (see the machine line above), \
                         so only Rust's rows were measured.\n";
        let s = |seconds: f64| format!("{} s", charts::significant(seconds));
        let x = |ratio: f64| format!("{ratio:.1}x");

        let sleep = (self.rows("sleep-tasks").iter())
            .filter(|row| row.language == "Rust")
            .filter_map(|row| {
                let python = self.median("sleep-tasks", "Python", &row.series, row.workers)?;
                Some((stats(&row.values).0 - python).abs() / python * 100.0)
            })
            .reduce(f64::max)
            .map_or(no_python.to_string(), |gap| {
                format!(
                    "In this run, Rust's and Python's medians differed by at most {gap:.0}% in \
                     any mode.\n"
                )
            });

        let (_, _, workers) = &self.config.downloads;
        let (few, many) = (workers[0], workers[workers.len() - 1]);
        let downloads = (|| {
            let (r1, rn) = (
                self.median("downloads", "Rust", "pool", few)?,
                self.median("downloads", "Rust", "pool", many)?,
            );
            let (p1, pn) = (
                self.median("downloads", "Python", "threads", few)?,
                self.median("downloads", "Python", "threads", many)?,
            );
            Some(format!(
                "In this run, with {} Rust took {} and Python {}; with {many}, {} and {}: \
                 {many} workers made Rust {} and Python {} faster than {few}.\n",
                workers_text(few),
                s(r1),
                s(p1),
                s(rn),
                s(pn),
                x(r1 / rn),
                x(p1 / pn)
            ))
        })()
        .unwrap_or(no_python.to_string());

        let (_, n, _) = &self.config.cpu;
        let cpu = (|| {
            let rust_seq = self.median("cpu-bound", "Rust", "seq", 1)?;
            let python_seq = self.median("cpu-bound", "Python", "seq", 1)?;
            let (rust_best, rust_row) = self.best("cpu-bound", "Rust", Some("rayon"))?;
            let (threads, threads_row) = self.best("cpu-bound", "Python", Some("threads"))?;
            let (fork, fork_row) = self.best("cpu-bound", "Python", Some("fork"))?;
            Some(format!(
                "In this run, on one core, Rust ran compute({n}) {} as fast as Python. Rust's \
                 rayon reached {} its one-core speed (with {}); Python's threads at best {} \
                 (with {}), and its forked processes {} (with {}).\n",
                x(python_seq / rust_seq),
                x(rust_seq / rust_best),
                workers_text(rust_row.workers),
                x(python_seq / threads),
                workers_text(threads_row.workers),
                x(python_seq / fork),
                workers_text(fork_row.workers),
            ))
        })()
        .unwrap_or(no_python.to_string());

        let us = |v: f64| format!("{} µs", charts::significant(v));
        let starts = (|| {
            let rust_thread = self.median("start-costs", "Rust", "thread spawn+join", 1)?;
            let python_thread = self.median("start-costs", "Python", "thread", 1)?;
            let command = self.median("start-costs", "Rust", "Command::status", 1)?;
            let spawn = self.median("start-costs", "Python", "spawn", 1)?;
            Some(format!(
                "In this run, a thread took {} to start and join in Rust and {} in Python; \
                 Python's spawn took {}, {} as long as Rust's `Command` running a program.\n",
                us(rust_thread),
                us(python_thread),
                us(spawn),
                x(spawn / command)
            ))
        })()
        .unwrap_or(no_python.to_string());

        let photos = (|| {
            let fast_rayon = self.median("photos", "Rust", "fast rayon", cores())?;
            let exact_rayon = self.median("photos", "Rust", "exact rayon", cores())?;
            let best = |quality: &str| {
                (self.rows("photos").into_iter())
                    .filter(|row| row.language == "Python" && row.series.starts_with(quality))
                    .map(|row| (stats(&row.values).0, row.series))
                    .min_by(|a, b| a.0.total_cmp(&b.0))
            };
            let (pillow_fast, fast_row) = best("fast ")?;
            let (pillow_exact, exact_row) = best("exact ")?;
            let rust_seq = |quality| self.median("photos", "Rust", quality, 1);
            let pillow_seq = |quality| self.median("photos", "Python", quality, 1);
            let (rust_fast, rust_exact) = (rust_seq("fast seq")?, rust_seq("exact seq")?);
            let (pil_fast, pil_exact) = (pillow_seq("fast seq")?, pillow_seq("exact seq")?);
            Some(format!(
                "In this run, like for like: the fast pipeline on rayon took {} against {} for \
                 Pillow's best fast mode (`{fast_row}`), {} as fast; the exact pipeline on rayon \
                 took {} against {} for Pillow's best exact mode (`{exact_row}`), {} as fast. \
                 Where the gains came from: doing less work (fast over exact, one thread) made \
                 Rust {} and Pillow {} as fast; the second core (rayon over one thread, fast) \
                 made Rust {} as fast, and Pillow's best fast mode over one thread {}; the \
                 language and its libraries (Rust over Pillow, one thread) made Rust {} as fast \
                 in the exact pipeline and {} in the fast one.\n",
                s(fast_rayon),
                s(pillow_fast),
                x(pillow_fast / fast_rayon),
                s(exact_rayon),
                s(pillow_exact),
                x(pillow_exact / exact_rayon),
                x(rust_exact / rust_fast),
                x(pil_exact / pil_fast),
                x(rust_fast / fast_rayon),
                x(pil_fast / pillow_fast),
                x(pil_exact / rust_exact),
                x(pil_fast / rust_fast),
            ))
        })()
        .unwrap_or(no_python.to_string());

        let (photos_count, _) = self.config.photos;
        let per_second =
            |seconds: f64| format!("{:.1} photos per second", photos_count as f64 / seconds);
        let distributed = (|| {
            let one = self.median("distributed", "Rust", "one-worker", 1)?;
            let threads = self.median("distributed", "Rust", "threads", 2)?;
            let processes = self.median("distributed", "Rust", "processes", 2)?;
            let sent = self.median("distributed", "Rust", "processes, photos sent", 2)?;
            Some(format!(
                "In this run, one timely worker did {} ({}); two worker threads {} ({}, {} one \
                 worker's speed); two processes on 127.0.0.1 {} ({}), starting and connecting \
                 them included, and {} ({}) when process 0 sent the photos' bytes.\n",
                per_second(one),
                s(one),
                per_second(threads),
                s(threads),
                x(one / threads),
                per_second(processes),
                s(processes),
                per_second(sent),
                s(sent),
            ))
        })()
        .unwrap_or("The timely rows were not measured in this run.\n".to_string());

        let ms = |seconds: f64| format!("{} ms", charts::significant(seconds * 1000.0));
        let tasks = self.config.chunk_tasks;
        let chunks = (|| {
            let rust = |mode| self.median("chunks", "Rust", mode, cores());
            let (one, chunked, adaptive) =
                (rust("chunk-one")?, rust("chunked")?, rust("adaptive")?);
            let rust_text = format!(
                "in Rust, a piece per task took {} for the {tasks} tasks, {} as long as pieces \
                 of 1000 ({}), and rayon's own splitting {}",
                ms(one),
                x(one / chunked),
                ms(chunked),
                ms(adaptive)
            );
            let python = |mode| self.median("chunks", "Python", mode, cores());
            Some(match (python("chunk-one"), python("chunked")) {
                (Some(one), Some(chunked)) => format!(
                    "In this run, Python's pool took {} with `chunksize=1` and {} with \
                     `chunksize=1000`, {} as long; {rust_text}.\n",
                    s(one),
                    s(chunked),
                    x(one / chunked)
                ),
                _ => format!("In this run, without Python, {rust_text}.\n"),
            })
        })()
        .unwrap_or("The chunks rows were not measured in this run.\n".to_string());

        vec![
            ("chunks-headline.md", chunks),
            ("distributed-headline.md", distributed),
            ("sleep-tasks-headline.md", sleep),
            ("downloads-headline.md", downloads),
            ("cpu-bound-headline.md", cpu),
            ("start-costs-headline.md", starts),
            ("photos-headline.md", photos),
        ]
    }
}
