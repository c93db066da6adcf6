//! The `loom` feature sets `cfg(loom)`, as the book's library does (see its
//! `build.rs`), since the switch below is the library's own file.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(loom)");
    if std::env::var_os("CARGO_FEATURE_LOOM").is_some() {
        println!("cargo::rustc-cfg=loom");
    }
}
