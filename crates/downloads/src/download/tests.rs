//! Unit tests of `download`.

use super::*;

#[test]
fn backoff_is_capped_and_a_pause_ends_when_stop_is_set() {
    let policy = Policy::default();
    assert!((1..=40).all(|attempt| backoff(&policy, attempt) <= MAX_BACKOFF));
    assert!(
        backoff(&policy, 30) >= MAX_BACKOFF * 2 / 3,
        "capped, not wrapped"
    );
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            stop.store(true, Ordering::SeqCst);
        });
        pause(Duration::from_secs(60), &stop);
    });
    // Stopped long before the minute: the bound only has to tell the two apart.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_url_that_cannot_be_requested_is_not_retried() {
    let policy = Policy::new(Duration::from_secs(1), 3);
    let client = blocking_client(&policy);
    let target = std::env::temp_dir().join(format!("bad-url-{}.jpg", std::process::id()));
    let never = AtomicBool::new(false);
    let outcome = download(
        &client,
        "http://exa mple.com/a.jpg",
        &target,
        &policy,
        &never,
    );
    match outcome {
        Err((Failure::InvalidUrl(_), 1)) => {}
        other => panic!("one attempt and InvalidUrl, got {other:?}"),
    }
}

#[test]
fn file_names_cannot_escape_the_folder() {
    assert_eq!(file_name("http://h/photos/photo-01.jpg"), "photo-01.jpg");
    assert_eq!(file_name("http://h/a/..%2F..%2Fetc%2Fpasswd"), "passwd");
    assert_eq!(file_name("http://h/%2Fetc%2Fshadow"), "shadow");
    assert_eq!(file_name("http://h/..\\..\\boot.ini"), "boot.ini");
    assert_eq!(file_name("http://h/.."), "download");
    assert_eq!(file_name("http://h/"), "download");
    assert_eq!(file_name("http://h"), "download");
    assert_eq!(file_name("http://h/.hidden"), "hidden");
    assert_eq!(file_name("http://h/a b.jpg?size=large#top"), "a_b.jpg");
    let long = file_name(&format!("http://h/{}.jpg", "x".repeat(5000)));
    assert_eq!(
        (long.len(), &long[95..]),
        (100, "x.jpg"),
        "the extension stays"
    );
}

#[test]
fn planned_names_are_unique() {
    let urls: Vec<String> = [
        "http://a/x.jpg",
        "http://b/x.jpg",
        "http://c/X.JPG",
        "http://d/",
    ]
    .map(String::from)
    .to_vec();
    let names: Vec<String> = plan(&urls, Path::new("out"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["x.jpg", "x-2.jpg", "X-3.JPG", "download"]);
    assert!(
        plan(&urls, Path::new("out"))
            .iter()
            .all(|p| p.parent() == Some(Path::new("out")))
    );
}

#[test]
fn only_transient_failures_are_retried() {
    assert!(Failure::Status(503).is_transient());
    assert!(Failure::Timeout.is_transient());
    assert!(!Failure::Status(404).is_transient());
    assert!(!Failure::NotAnImage.is_transient());
    assert!(!Failure::TooLarge { limit: 1 }.is_transient());
}

#[test]
fn backoff_doubles_with_at_most_half_again_of_jitter() {
    let policy = Policy {
        backoff: Duration::from_millis(100),
        ..Policy::default()
    };
    for attempt in 1..=4 {
        let base = Duration::from_millis(100 * 2u64.pow(attempt - 1));
        let wait = backoff(&policy, attempt);
        assert!(
            wait >= base && wait <= base.mul_f64(1.5),
            "attempt {attempt}: {wait:?}"
        );
    }
}
