//! The `sitegen` binary: everything is in the library's `cli` module.

fn main() {
    std::process::exit(sitegen::cli::run());
}
