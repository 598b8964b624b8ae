//! The `handoff-eval` binary: everything is in the library; see `cli`.

#[global_allocator]
static GLOBAL: handoff_eval::alloc::MiMalloc = handoff_eval::alloc::MiMalloc;

fn main() -> std::process::ExitCode {
    handoff_eval::alloc::keep_freed_memory();
    handoff_eval::cli::run()
}
