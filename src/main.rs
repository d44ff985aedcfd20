// mimalloc instead of glibc's malloc: under a deadline burst glibc's allocator took about a
// fifth of the server's CPU (`_int_malloc`, `unlink_chunk`, `malloc_consolidate` in `perf`),
// for the many small, short-lived buffers of websocket frames, JSON and Redis replies.
// BENCHMARKS.md has the before/after figures, CPU and memory per idle participant.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    thiluat::cli::main()
}
