//! Work spread over every core, for the stages that split theirs into independent pieces:
//! loading (a big YAML text parsed in chunks, `load`) and emitting (files formatted in pieces,
//! `emit`). It depends on nothing else in the crate.
//!
//! Results never depend on the number of cores: each piece's result is its own, and they come
//! back in index order.

/// How many threads may work at once: the machine's cores.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// `work(0)`, …, `work(count - 1)` on as many threads as the machine has cores (at most
/// `count`), each index taken by the next idle thread from a shared counter, so pieces of
/// uneven cost still keep every thread busy; the results in index order.
///
/// The calling thread works too: the memory the stages before it freed is its allocator's to
/// reuse, where a new thread would touch fresh pages. Workers keep the default stack (2 MB).
/// A panic in `work` is a bug; it is carried to the caller's thread as it was.
pub fn in_parallel<T: Send>(count: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads().min(count);
    if threads <= 1 {
        return (0..count).map(work).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let take = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= count {
                break mine;
            }
            mine.push((i, work(i)));
        }
    };
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(take)).collect();
        let mut done = take();
        for worker in workers {
            match worker.join() {
                Ok(mine) => done.extend(mine),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_parallel_keeps_the_order() {
        let squares = in_parallel(1000, |i| i * i);
        assert_eq!(squares, (0..1000).map(|i| i * i).collect::<Vec<_>>());
        assert_eq!(in_parallel(0, |i| i), Vec::<usize>::new());
    }
}
