//! Sets `cfg(libjpeg_simd)` when mozjpeg-sys compiles libjpeg's SIMD code:
//! the photo pipeline then prefers libjpeg (see `src/pipeline.rs`).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // ANCHOR: libjpeg_simd
    // Whether mozjpeg-sys compiled libjpeg's SIMD code, asked the way its
    // build script asks: on x86 only when `nasm` runs, on ARM always. The
    // photo pipeline then prefers libjpeg (see `src/pipeline.rs`).
    println!("cargo::rustc-check-cfg=cfg(libjpeg_simd)");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let nasm_runs = || {
        std::process::Command::new("nasm")
            .arg("-v")
            .output()
            .is_ok_and(|out| out.status.success() && !out.stdout.starts_with(b"NASM version 0."))
    };
    let simd = match arch.as_str() {
        "x86_64" | "x86" => nasm_runs(),
        "aarch64" | "arm" => true,
        _ => false,
    };
    if simd {
        println!("cargo::rustc-cfg=libjpeg_simd");
    }
    // ANCHOR_END: libjpeg_simd
}
