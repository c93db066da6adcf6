//! The figures behind "Real-world CPU: processing images".
//!
//! `cargo bench --bench images` (add a group name to run one: `-- blur`)
//!
//! - `blur/*`: one 3000x2000 photo, sigma 15: the `image` crate's `blur` (an
//!   exact Gaussian kernel) and `fast_blur`, and the book's box blur on one
//!   thread and on all of them.
//! - `pipeline/{exact,fast}`: decode, blur, shrink to fit 1200x1200, encode
//!   and write one 3000x2000 photo on one thread: the figures compared with
//!   Pillow's.
//! - `stages/{exact,fast}/*`: each stage of those two pipelines on its own,
//!   for "Where the time goes"; `stages/{read,write,entropy}`, and
//!   `stages/rayon/*`, the fifteen photos of 3000x2000 through each pipeline
//!   on rayon: `cargo xtask bench-tables` sums the stages into the job's
//!   limit and compares the rayon runs with it.
//! - `candidates/*`: the libraries measured for the fast pipeline: decoders
//!   (zune-jpeg through `image`, mozjpeg at 8/8, 4/8 and 1/8, jpeg-decoder
//!   at 1/2 and 1/8) and encoders (`image`, jpeg-encoder, mozjpeg).
//! - `modes/*`: 15 photos of 1500x1000 (a quarter of the example's size, so
//!   that the bench takes minutes, not tens of minutes) in each mode, exact;
//!   `modes/rayon_fast` is rayon with the fast pipeline.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use images::pipeline::{self, Blur, Buffers, Chroma, Quality, Settings};
use processes::process_pool::{self, Options, ProcessPool};
use rayon::prelude::*;

fn blur(c: &mut Criterion) {
    let photo = test_photos::photo_like(3000, 2000, 1);
    let mut group = c.benchmark_group("blur");
    group.sample_size(10);
    for (name, how) in [
        ("image_blur", Blur::ImageBlur),
        ("image_fast_blur", Blur::ImageFastBlur),
        ("boxes", Blur::Boxes),
        ("boxes_parallel", Blur::BoxesParallel),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| pipeline::blur_image(black_box(&photo), 15.0, how))
        });
    }
    group.finish();
}

fn out_dir(name: &str) -> PathBuf {
    let dir = harness::target_dir().join("bench-images").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const EXACT: Settings = Settings {
    sigma: 15.0,
    fit: 1200,
    jpeg_quality: 85,
    blur: Blur::Boxes,
    quality: Quality::Exact,
};

const FAST: Settings = Settings {
    quality: Quality::Fast,
    ..EXACT
};

fn pipeline(c: &mut Criterion) {
    let inputs = test_photos::ensure(1, 3000, 2000).unwrap();
    let out = out_dir("pipeline");
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    for (name, settings) in [("exact", EXACT), ("fast", FAST)] {
        group.bench_function(name, |b| {
            // As a worker does: its buffers kept from photo to photo.
            let mut buffers = Buffers::default();
            b.iter(|| {
                pipeline::process_photo_with(&inputs[0], &out, &settings, &mut buffers).unwrap()
            });
        });
    }
    group.finish();
}

/// Each stage of one 3000x2000 photo, exact and fast, on one thread.
fn stages(c: &mut Criterion) {
    let input = &test_photos::ensure(1, 3000, 2000).unwrap()[0];
    let bytes = std::fs::read(input).unwrap();
    let mut group = c.benchmark_group("stages");
    group.sample_size(20);

    let full = pipeline::decode_full(&bytes).unwrap();
    let blurred = pipeline::blur_image(&full, 15.0, Blur::Boxes);
    let (width, height) = pipeline::fit_within(3000, 2000, 1200);
    let small = pipeline::resize(&blurred, width, height).unwrap();
    // Into reused buffers, as the pipeline's workers decode and blur.
    group.bench_function("exact/decode", |b| {
        let mut buffer = Vec::new();
        b.iter(|| {
            let photo = pipeline::decode_full_into(black_box(&bytes), std::mem::take(&mut buffer));
            buffer = photo.unwrap().into_raw();
        })
    });
    group.bench_function("exact/blur", |b| {
        let (mut blurred, mut scratch) = (Vec::new(), Vec::new());
        b.iter(|| {
            let pixels = black_box(full.as_raw());
            photo_kernels::blur::blur_rgb_into(pixels, 3000, 15.0, &mut blurred, &mut scratch)
        })
    });
    group.bench_function("exact/resize", |b| {
        b.iter(|| pipeline::resize(black_box(&blurred), width, height).unwrap())
    });
    group.bench_function("exact/encode", |b| {
        b.iter(|| pipeline::encode_exact(black_box(&small), 85).unwrap())
    });

    // At sigma 15 the fast pipeline decodes at 1/8 (375x250), blurs that,
    // then enlarges it to the output size.
    let (scaled, _) = pipeline::decode_scaled(&bytes, 1200, 15.0).unwrap();
    assert_eq!(scaled.dimensions(), (375, 250));
    let sigma = 15.0 * 375.0 / 3000.0;
    let fast_blurred_small = pipeline::blur_image(&scaled, sigma, Blur::Boxes);
    let fast_blurred = pipeline::resize(&fast_blurred_small, width, height).unwrap();
    group.bench_function("fast/decode", |b| {
        b.iter(|| pipeline::decode_scaled(black_box(&bytes), 1200, 15.0).unwrap())
    });
    group.bench_function("fast/blur", |b| {
        b.iter(|| pipeline::blur_image(black_box(&scaled), sigma, Blur::Boxes))
    });
    group.bench_function("fast/resize", |b| {
        b.iter(|| pipeline::resize(black_box(&fast_blurred_small), width, height).unwrap())
    });
    group.bench_function("fast/encode", |b| {
        b.iter(|| pipeline::encode_fast(black_box(&fast_blurred), 85).unwrap())
    });

    // Both write about the same number of bytes the same way.
    let jpeg = pipeline::encode_fast(&fast_blurred, 85).unwrap();
    let target = out_dir("stages").join("photo.jpg");
    group.bench_function("write", |b| {
        b.iter(|| atomic_write::write_atomically(&target, black_box(&jpeg)).unwrap())
    });
    group.bench_function("read", |b| {
        b.iter(|| std::fs::read(black_box(input)).unwrap())
    });
    // The part of decoding no scale can skip: every bit of the file read and
    // entropy-decoded, with next to nothing transformed or converted.
    group.bench_function("entropy", |b| {
        b.iter(|| libjpeg_decode(black_box(&bytes), 1, Upsampling::LumaOnly))
    });

    // Right after the stages, while the shared machine runs at the same
    // speed: the fifteen photos through each pipeline on rayon, to compare
    // with the stages' sum (the limit table of `cargo xtask bench-tables`).
    let inputs = test_photos::ensure(15, 3000, 2000).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().build().unwrap();
    let out = out_dir("rayon");
    group.sample_size(10);
    for (name, settings) in [("fast", FAST), ("exact", EXACT)] {
        group.bench_function(format!("rayon/{name}"), |b| {
            b.iter(|| {
                pool.install(|| {
                    (inputs.par_iter()).for_each_init(Buffers::default, |buffers, p| {
                        drop(pipeline::process_photo_with(p, &out, &settings, buffers).unwrap())
                    })
                })
            })
        });
    }
    group.finish();
}

/// The decoders and encoders the fast pipeline chose from.
fn candidates(c: &mut Criterion) {
    let input = &test_photos::ensure(1, 3000, 2000).unwrap()[0];
    let bytes = std::fs::read(input).unwrap();
    let mut group = c.benchmark_group("candidates");
    group.sample_size(20);
    group.bench_function("decode/zune_full", |b| {
        b.iter(|| pipeline::decode_any(black_box(&bytes)).unwrap())
    });
    for eighths in [8u8, 4, 1] {
        group.bench_function(format!("decode/mozjpeg_{eighths}_8"), |b| {
            b.iter(|| libjpeg_decode(black_box(&bytes), eighths, Upsampling::Fancy))
        });
    }
    group.bench_function("decode/mozjpeg_1_8_plain_upsampling", |b| {
        b.iter(|| libjpeg_decode(black_box(&bytes), 1, Upsampling::Plain))
    });
    for (name, side) in [("half", (1500, 1000)), ("eighth", (375, 250))] {
        group.bench_function(format!("decode/jpeg_decoder_{name}"), |b| {
            b.iter(|| {
                let mut decoder = jpeg_decoder::Decoder::new(black_box(&bytes[..]));
                decoder.read_info().unwrap();
                decoder.scale(side.0, side.1).unwrap();
                decoder.decode().unwrap()
            })
        });
    }
    let photo = pipeline::decode_any(&bytes).unwrap();
    let blurred = pipeline::blur_image(&photo, 15.0, Blur::Boxes);
    group.bench_function("resize/image_thumbnail", |b| {
        b.iter(|| image::imageops::thumbnail(black_box(&blurred), 1200, 800))
    });
    group.bench_function("resize/fast_image_resize", |b| {
        b.iter(|| pipeline::resize(black_box(&blurred), 1200, 800).unwrap())
    });
    // Colour at every pixel (4:4:4), as the exact pipeline writes, then at
    // every other pixel (4:2:0), as the fast one does.
    let small = pipeline::resize(&photo, 1200, 800).unwrap();
    group.bench_function("encode/image", |b| {
        b.iter(|| pipeline::encode_jpeg(black_box(&small), 85).unwrap())
    });
    group.bench_function("encode/mozjpeg_full_colour", |b| {
        b.iter(|| pipeline::encode_libjpeg(black_box(&small), 85, Chroma::Full).unwrap())
    });
    group.bench_function("encode/jpeg_encoder", |b| {
        b.iter(|| photo_kernels::encode_rgb(black_box(small.as_raw()), (1200, 800), 85).unwrap())
    });
    group.bench_function("encode/mozjpeg_half_colour", |b| {
        b.iter(|| pipeline::encode_libjpeg(black_box(&small), 85, Chroma::Half).unwrap())
    });
    group.finish();
}

/// How libjpeg brings the half-size colour planes up to the luma plane's size.
#[derive(Clone, Copy, PartialEq)]
enum Upsampling {
    /// libjpeg's default: interpolated ("fancy")
    Fancy,
    /// Each colour sample repeated
    Plain,
    /// No colour at all: luma only, so the colour planes are entropy-decoded
    /// (they must be, to find the next block) but never transformed
    LumaOnly,
}

/// Decodes with libjpeg (mozjpeg) at `eighths / 8` of the size.
fn libjpeg_decode(bytes: &[u8], eighths: u8, upsampling: Upsampling) -> Vec<u8> {
    let mut decoder = mozjpeg::Decompress::new_mem(bytes).unwrap();
    decoder.scale(eighths);
    decoder.do_fancy_upsampling(upsampling == Upsampling::Fancy);
    let mut started = match upsampling {
        Upsampling::LumaOnly => decoder.grayscale().unwrap(),
        _ => decoder.rgb().unwrap(),
    };
    let pixels: Vec<u8> = started.read_scanlines().unwrap();
    started.finish().unwrap();
    pixels
}

fn modes(c: &mut Criterion) {
    let inputs = test_photos::ensure(15, 1500, 1000).unwrap();
    let settings = EXACT;
    let out = out_dir("modes");
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("modes");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("seq", |b| {
        b.iter(|| {
            inputs
                .iter()
                .for_each(|p| drop(pipeline::process_photo(p, &out, &settings).unwrap()))
        });
    });
    group.bench_function("threads", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for p in &inputs {
                    s.spawn(|| pipeline::process_photo(p, &out, &settings).unwrap());
                }
            })
        });
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .unwrap();
    group.bench_function("rayon", |b| {
        b.iter(|| {
            pool.install(|| {
                inputs
                    .par_iter()
                    .for_each(|p| drop(pipeline::process_photo(p, &out, &settings).unwrap()))
            })
        });
    });
    let options = Options {
        workers,
        task_timeout: Duration::from_secs(300),
        worker_args: vec![WORKER_FLAG.into()],
        max_tasks_per_worker: None,
        worker_stderr: false,
    };
    let mut processes = ProcessPool::start(options).unwrap();
    group.bench_function("processes", |b| {
        b.iter(|| {
            let jobs: Vec<(PathBuf, PathBuf)> =
                inputs.iter().map(|p| (p.clone(), out.clone())).collect();
            let outcomes = processes.run::<_, bool>(jobs, |_| {}).unwrap();
            assert_eq!(outcomes.len(), inputs.len());
        });
    });
    processes.shutdown(Duration::from_secs(10)).unwrap();
    let inside = Settings {
        blur: Blur::BoxesParallel,
        ..settings
    };
    group.bench_function("rayon_fast", |b| {
        b.iter(|| {
            pool.install(|| {
                inputs
                    .par_iter()
                    .for_each(|p| drop(pipeline::process_photo(p, &out, &FAST).unwrap()))
            })
        });
    });
    group.bench_function("rayon_inner", |b| {
        b.iter(|| {
            pool.install(|| {
                inputs
                    .iter()
                    .for_each(|p| drop(pipeline::process_photo(p, &out, &inside).unwrap()))
            })
        });
    });
    group.finish();
}

criterion_group!(benches, blur, pipeline, stages, candidates, modes);

const WORKER_FLAG: &str = "--bench-image-worker";

// criterion_main!, plus the worker-process entry point of `modes/processes`.
fn main() {
    if std::env::args().nth(1).as_deref() == Some(WORKER_FLAG) {
        let work = |_, _, (input, out): (PathBuf, PathBuf)| {
            pipeline::process_photo(&input, &out, &EXACT).is_ok()
        };
        process_pool::serve(work).unwrap();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
