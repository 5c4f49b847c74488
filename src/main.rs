//! The `sitegen` binary: everything is in the library's `cli` module.

/// mimalloc rather than glibc's malloc: a build allocates and frees millions of small
/// strings and maps on every thread, and glibc's per-thread arenas grow in small steps
/// (one `mprotect` each: ~10,000 per incremental build of 10,000 pages).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // The program (not a library caller) restarts itself over a hung code block.
    sitegen::markdown::budget::arm();
    std::process::exit(sitegen::cli::run());
}
