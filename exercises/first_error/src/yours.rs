//! Run jobs 0..jobs on `workers` threads, each thread taking the next job
//! number when it is free. When a job fails, start no further job: the jobs
//! running then finish, and the first error is returned. Practises "wait:
//! the first result, or the first error".

/// Every job's result in job order, or the first error: once a job has
/// failed, no job starts.
pub fn run_until_error(
    jobs: usize,
    workers: usize,
    job: impl Fn(usize) -> Result<u64, String> + Sync,
) -> Result<Vec<u64>, String> {
    todo!("a shared next-job counter, a stop flag checked before each job, the first error kept")
}
