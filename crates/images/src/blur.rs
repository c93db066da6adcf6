//! The book's fast Gaussian blur. It lives in `crates/photo-kernels/src/blur.rs`,
//! compiled once and always optimized (the chapters quote it from there); its
//! tests are here, next to the test photos they use.

pub use photo_kernels::blur::*;

#[cfg(test)]
mod tests {
    use super::*;
    use test_photos;

    #[test]
    fn three_boxes_add_up_to_the_gaussian_variance() {
        // Box widths are whole odd numbers, so small sigmas are matched coarsely.
        for sigma in [3.0f32, 15.0] {
            // A box of width w has variance (w^2 - 1) / 12; variances add up.
            let variance: f64 = box_sizes(sigma)
                .iter()
                .map(|&w| ((w * w - 1) as f64) / 12.0)
                .sum();
            let wanted = f64::from(sigma * sigma);
            assert!(
                (variance - wanted).abs() / wanted < 0.15,
                "sigma {sigma}: {variance} vs {wanted}"
            );
            assert!(box_sizes(sigma).iter().all(|w| w % 2 == 1));
        }
    }

    #[test]
    fn the_box_blur_matches_an_exact_gaussian_within_35_db() {
        let (width, height) = (240, 160);
        let pixels = test_photos::photo_like(width, height, 7).into_raw();
        for sigma in [3.0f32, 15.0] {
            let fast = blur_rgb(&pixels, width as usize, sigma);
            let exact = exact_gaussian_rgb(&pixels, width as usize, f64::from(sigma));
            let db = psnr(&fast, &exact);
            println!("sigma {sigma}: PSNR {db:.1} dB against the exact Gaussian");
            assert!(db >= 35.0, "sigma {sigma}: PSNR {db:.1} dB");
        }
    }

    #[test]
    fn the_parallel_blur_gives_identical_bytes() {
        let pixels = test_photos::photo_like(333, 101, 3).into_raw(); // odd sizes on purpose
        assert_eq!(
            blur_rgb(&pixels, 333, 15.0),
            blur_rgb_parallel(&pixels, 333, 15.0)
        );
    }

    #[test]
    fn a_flat_image_stays_flat() {
        let pixels = vec![77u8; 50 * 40 * 3];
        assert!(blur_rgb(&pixels, 50, 15.0).iter().all(|&v| v == 77));
    }

    #[test]
    fn psnr_is_infinite_for_equal_images_and_falls_with_noise() {
        let a = vec![100u8; 300];
        assert!(psnr(&a, &a).is_infinite());
        let mut b = a.clone();
        b[0] = 110;
        assert!(psnr(&a, &b) > 40.0);
    }
}
