//! The allocator the binary and the benchmarks use.
//!
//! Scoring allocates many small strings per call; with the system allocator
//! a fifth of a run went to malloc and free. mimalloc is faster, but by
//! default it returns freed memory to the kernel after 10 ms, and a batch
//! pipeline then faults the same memory back in as zeroed huge pages, every
//! batch (a tenth of the run in the kernel's `clear_page`). Batches reuse
//! their memory within milliseconds, so the delay is raised to a second:
//! long enough to keep batch memory, short enough to give back what the
//! growing metric vectors leave behind when they reallocate.

pub use mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (v2 and v3 alike;
/// the bindings export its neighbour `mi_option_eager_commit_delay` as 14).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds freed memory is kept for reuse before it goes back to the kernel.
const PURGE_DELAY_MS: std::ffi::c_long = 1000;

/// Keeps freed memory for reuse for a second instead of 10 ms.
/// Call once, first thing in `main`.
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set only stores an integer option; any option id
    // and value are accepted.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
}
