//! What the kernel says about this process, from /proc: time on a CPU, time spent waiting for
//! one, and the peak resident memory.

use std::fs;

/// On-CPU time of the measuring thread, which the other processes on a shared machine do not
/// inflate (wall time does: a run that waits for a CPU looks slow).
#[derive(Default)]
pub(super) struct CpuTime {
    pub(super) best_ns: u64,
    run_ns: u64,
    wait_ns: u64,
}

impl CpuTime {
    pub(super) fn record(&mut self, before: Option<(u64, u64)>, after: Option<(u64, u64)>) {
        if let (Some((run0, wait0)), Some((run1, wait1))) = (before, after) {
            let run = run1.saturating_sub(run0);
            self.best_ns = if self.best_ns == 0 { run } else { self.best_ns.min(run) };
            self.run_ns += run;
            self.wait_ns += wait1.saturating_sub(wait0);
        }
    }

    /// How much of the runs' time was spent waiting for a CPU.
    pub(super) fn wait_share(&self) -> f64 {
        let total = self.run_ns + self.wait_ns;
        if total == 0 {
            0.0
        } else {
            self.wait_ns as f64 / total as f64
        }
    }
}

/// (time on a CPU of the whole process, time this thread waited for one) so far, in nanoseconds.
/// `generate` renders on worker threads, so its CPU time is the process's (`/proc/self/stat`
/// counts threads that have ended too, in clock ticks of 10 ms, Linux's USER_HZ); the wait is
/// the main thread's (schedstat), enough to tell a busy machine.
pub(super) fn sched_stat() -> Option<(u64, u64)> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let text = fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let wait = text.split_whitespace().nth(1)?.parse::<u64>().ok()?;
    Some((ticks * 10_000_000, wait))
}

/// The process's peak resident memory so far.
pub(super) use test_support::peak_resident_kib as peak_kib;
