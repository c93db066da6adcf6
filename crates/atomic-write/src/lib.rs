//! Writing output files so that a reader never sees half of one: the one
//! atomic write that the examples, the photo pipeline and `cargo xtask report`
//! share.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a
/// rename over it, so no reader ever sees half a file and a failed write
/// leaves what was there before.
///
/// A `path` that is a symlink is followed: its target is replaced, the link
/// stays. A path that exists and is not a regular file (a folder, a FIFO, a
/// device, a socket) is refused rather than replaced.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let path = writable_target(path)?;
    let temporary = temporary_beside(&path, "tmp");
    let written = fs::write(&temporary, bytes).and_then(|()| fs::rename(&temporary, &path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Writes every `(path, bytes)` or none: each to a temporary file beside its
/// path first, then, once all of them are written, each renamed into place.
/// A failure before the renames (a full disk, a folder where a file should
/// go, a FIFO) removes the temporary files and leaves every path as it was.
/// Folders are made as needed. The error names the path.
pub fn write_all_or_nothing(files: &[(PathBuf, Vec<u8>)]) -> io::Result<()> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut stage = |path: &Path, bytes: &[u8]| -> io::Result<()> {
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder)?;
        }
        let target = writable_target(path)?;
        let temporary = temporary_beside(&target, "tmp");
        staged.push((temporary.clone(), target));
        fs::write(&temporary, bytes)
    };
    let written = files.iter().try_for_each(|(path, bytes)| {
        stage(path, bytes).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    });
    if let Err(error) = written {
        for (temporary, _) in &staged {
            let _ = fs::remove_file(temporary);
        }
        return Err(error);
    }
    for (temporary, target) in &staged {
        fs::rename(temporary, target)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", target.display())))?;
    }
    Ok(())
}

/// The hidden file beside `path` that this process writes before renaming it
/// into place: `.NAME.PID.SUFFIX`, with NAME shortened so that the whole stays
/// within the 255 bytes a file name may have.
pub fn temporary_beside(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut end = name.len().min(200);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let name = &name[..end];
    path.with_file_name(format!(".{name}.{}.{suffix}", std::process::id()))
}

/// Removes the temporary files (see [`temporary_beside`]) in `folder` whose
/// process is no longer running: what a SIGKILL, a crash or a power cut left
/// behind. Returns how many it removed; a missing folder has none.
pub fn remove_stale_temporaries(folder: &Path) -> io::Result<usize> {
    remove_temporaries(folder, 0, &|pid| !process_is_running(pid))
}

/// Removes this process's own temporary files in `folder` and in the folders
/// just inside it: for a program that must stop at once, with writes still
/// under way.
pub fn remove_own_temporaries(folder: &Path) -> io::Result<usize> {
    remove_temporaries(folder, 1, &|pid| pid == std::process::id())
}

/// Removes the temporary files in `folder` (and, `depth` levels down, in
/// its folders) whose owning process `remove` picks; a missing folder has none.
fn remove_temporaries(
    folder: &Path,
    depth: u32,
    remove: &dyn Fn(u32) -> bool,
) -> io::Result<usize> {
    let entries = match fs::read_dir(folder) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        other => other?,
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() && depth > 0 {
            removed += remove_temporaries(&entry.path(), depth - 1, remove)?;
        } else if kind.is_file()
            && temporary_owner(&entry.file_name().to_string_lossy()).is_some_and(remove)
        {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The folders [`clean_up_on_interrupt`] cleans.
static CLEANED_ON_INTERRUPT: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// The scratch folders [`remove_on_interrupt`] removes whole.
static REMOVED_ON_INTERRUPT: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// One of the two lists, even if a thread panicked while holding it.
fn locked(list: &std::sync::Mutex<Vec<PathBuf>>) -> std::sync::MutexGuard<'_, Vec<PathBuf>> {
    list.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs, once, the Ctrl-C and SIGTERM handler both lists share: a
/// thread that signal-hook wakes on the first of them, which cleans up and
/// exits with 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM),
/// the code a shell reports for a program the signal ended.
fn install_interrupt_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
                return; // no handler: the signal ends the process as usual
            };
            let _ = std::thread::Builder::new()
                .name("interrupt-cleanup".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        for folder in locked(&CLEANED_ON_INTERRUPT).iter() {
                            let _ = remove_own_temporaries(folder);
                        }
                        for scratch in locked(&REMOVED_ON_INTERRUPT).iter() {
                            let _ = fs::remove_dir_all(scratch);
                        }
                        std::process::exit(128 + signal);
                    }
                });
        }
    });
}

/// From now on, Ctrl-C or SIGTERM removes this process's temporary files in
/// `folder` (and in every folder registered before, and the folders just
/// inside them), then exits with 128 + the signal (130 for Ctrl-C, 143 for
/// SIGTERM). The first call installs the handler; an example with a Ctrl-C handler of its own cleans up itself.
/// A worker process, which a dying parent stops with SIGTERM (see
/// `processes::worker::dies_with_parent`), cleans up the same way.
pub fn clean_up_on_interrupt(folder: &Path) {
    let mut folders = locked(&CLEANED_ON_INTERRUPT);
    if !folders.iter().any(|f| f == folder) {
        folders.push(folder.to_path_buf());
    }
    drop(folders);
    install_interrupt_handler();
}

/// Until [`keep_on_interrupt`] is called for it, Ctrl-C or SIGTERM removes
/// the scratch folder `scratch` whole (a folder this process made for itself,
/// such as a hostfile's), then exits with 128 + the signal.
pub fn remove_on_interrupt(scratch: &Path) {
    locked(&REMOVED_ON_INTERRUPT).push(scratch.to_path_buf());
    install_interrupt_handler();
}

/// Takes `scratch` off the list of [`remove_on_interrupt`].
pub fn keep_on_interrupt(scratch: &Path) {
    locked(&REMOVED_ON_INTERRUPT).retain(|s| s != scratch);
}

/// The process id in a temporary file's name `.NAME.PID.tmp` or `.NAME.PID.part`.
fn temporary_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let rest = (rest.strip_suffix(".tmp")).or_else(|| rest.strip_suffix(".part"))?;
    let (_, pid) = rest.rsplit_once('.')?;
    pid.parse().ok()
}

fn process_is_running(pid: u32) -> bool {
    #[cfg(unix)]
    {
        use nix::errno::Errno;
        let pid = nix::unistd::Pid::from_raw(pid as i32);
        // Signal 0 checks only that the process exists (EPERM: it does, not ours).
        !matches!(nix::sys::signal::kill(pid, None), Err(Errno::ESRCH))
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true // no cheap check: keep the file
    }
}

/// Refuses an output folder that is, contains, or is inside the input folder:
/// results written there could replace the inputs, or be read as inputs on
/// the next run. Links and `..` are resolved first, and on Unix a folder that
/// is the same one by device and inode (a bind mount) counts too. The error
/// names both flags.
pub fn refuse_overlap(input: &Path, out: &Path) -> Result<(), String> {
    let overlap = |why: &str| {
        Err(format!(
            "--out {} {why} --input {}: the results could replace or mix with the photos; \
             choose a folder apart from it",
            out.display(),
            input.display()
        ))
    };
    let input_real =
        fs::canonicalize(input).map_err(|e| format!("--input {}: {e}", input.display()))?;
    let out_real = resolve(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    if out_real == input_real || same_folder(&out_real, &input_real) {
        return overlap("is");
    }
    if (out_real.ancestors()).any(|a| a == input_real || same_folder(a, &input_real)) {
        return overlap("is inside");
    }
    if (input_real.ancestors()).any(|a| a == out_real || same_folder(a, &out_real)) {
        return overlap("contains");
    }
    Ok(())
}

/// `path` with links and `..` resolved, though its last parts may not exist yet.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while fs::symlink_metadata(existing).is_err() {
        rest.push(existing.file_name().unwrap_or_default().to_owned());
        existing = existing.parent().unwrap_or(Path::new("/"));
    }
    let mut real = fs::canonicalize(existing)?;
    for part in rest.iter().rev() {
        if part == ".." {
            real.pop();
        } else if part != "." {
            real.push(part);
        }
    }
    Ok(real)
}

/// Two existing folders that are one (same device and inode).
fn same_folder(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// The regular file that writing to `path` should replace.
fn writable_target(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // A real chain of links ends within a few steps; 40 (Linux's own limit)
    // means a loop.
    for _ in 0..40 {
        let metadata = match fs::symlink_metadata(&path) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(path),
            other => other?,
        };
        let kind = metadata.file_type();
        if kind.is_file() {
            return Ok(path);
        }
        if !kind.is_symlink() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("exists and is {}: refusing to replace it", describe(&kind)),
            ));
        }
        let target = fs::read_link(&path)?;
        path = match path.parent() {
            Some(folder) => folder.join(target),
            None => target,
        };
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Creates `folder` (and its parents) to write into. A path that is there
/// but is no folder is refused by name (`a device`, `a file`), where
/// `create_dir_all` would only say "File exists".
pub fn create_folder(folder: &Path) -> io::Result<()> {
    match fs::metadata(folder) {
        Ok(meta) if !meta.is_dir() => {
            let what = match meta.is_file() {
                true => "a file",
                false => describe(&meta.file_type()),
            };
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{what} is there, not a folder"),
            ))
        }
        _ => fs::create_dir_all(folder),
    }
}

fn describe(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("files-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn replaces_a_file_and_leaves_no_temporary() {
        let dir = scratch("replace");
        let path = dir.join("out.txt");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn follows_a_symlink_and_keeps_it() {
        let dir = scratch("symlink");
        let target = dir.join("target.txt");
        fs::write(&target, b"old").unwrap();
        std::os::unix::fs::symlink("target.txt", dir.join("link.txt")).unwrap();
        write_atomically(&dir.join("link.txt"), b"new").unwrap();
        assert!(
            fs::symlink_metadata(dir.join("link.txt"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&target).unwrap(), b"new");
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn refuses_special_files_and_folders() {
        use std::os::unix::fs::FileTypeExt;
        let dir = scratch("special");
        let fifo = dir.join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let error = write_atomically(&fifo, b"x").unwrap_err().to_string();
        assert!(error.contains("a FIFO"), "{error}");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        let error = write_atomically(Path::new("/dev/null"), b"x").unwrap_err();
        assert!(error.to_string().contains("a device"), "{error}");
        let error = write_atomically(&dir, b"x").unwrap_err();
        assert!(error.to_string().contains("a folder"), "{error}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn temporaries_keep_within_a_file_name_and_stale_ones_are_removed() {
        let dir = scratch("stale");
        let long = "é".repeat(120) + ".jpg"; // 244 bytes
        let temporary = temporary_beside(&dir.join(&long), "part");
        let name = temporary
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.len() <= 255, "{} bytes", name.len());
        assert_eq!(temporary_owner(&name), Some(std::process::id()));
        // Ours (running) stays; one of a finished process goes; others stay.
        fs::write(&temporary, b"mine").unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        fs::write(dir.join(format!(".a.jpg.{dead}.part")), b"stale").unwrap();
        fs::write(dir.join(format!(".b.jpg.{dead}.tmp")), b"stale").unwrap();
        fs::write(dir.join(format!("c.jpg.{dead}.tmp")), b"not hidden").unwrap();
        fs::write(dir.join(".notes.txt"), b"not ours").unwrap();
        assert_eq!(remove_stale_temporaries(&dir).unwrap(), 2);
        let mut left: Vec<String> = (fs::read_dir(&dir).unwrap())
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [".notes.txt".to_string(), name, format!("c.jpg.{dead}.tmp")]
        );
        assert_eq!(remove_stale_temporaries(&dir.join("missing")).unwrap(), 0);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_output_folder_apart_from_the_input_is_required() {
        let dir = scratch("overlap");
        let input = dir.join("photos");
        fs::create_dir_all(input.join("sub")).unwrap();
        let refused = |out: &Path| refuse_overlap(&input, out).unwrap_err();
        assert!(refused(&input).contains("is --input"));
        assert!(refused(&input.join("sub/../.")).contains("is --input"));
        assert!(refused(&input.join("new/deeper")).contains("is inside"));
        assert!(refused(&dir).contains("contains"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&input, dir.join("link")).unwrap();
            assert!(refused(&dir.join("link")).contains("is --input"));
            assert!(refused(&dir.join("link/out")).contains("is inside"));
        }
        refuse_overlap(&input, &dir.join("results")).unwrap();
        refuse_overlap(&input, &dir.join("photos-out")).unwrap();
        let missing = refuse_overlap(&dir.join("none"), &dir.join("out")).unwrap_err();
        assert!(missing.contains("--input"), "{missing}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn all_or_nothing_writes_nothing_when_one_path_fails() {
        let dir = scratch("all-or-nothing");
        fs::write(dir.join("a.md"), b"old a").unwrap();
        fs::create_dir_all(dir.join("c.json")).unwrap(); // a folder where a file should go
        let files = [
            (dir.join("a.md"), b"new a".to_vec()),
            (dir.join("sub/b.svg"), b"new b".to_vec()),
            (dir.join("c.json"), b"new c".to_vec()),
        ];
        let error = write_all_or_nothing(&files).unwrap_err().to_string();
        assert!(
            error.contains("c.json") && error.contains("a folder"),
            "{error}"
        );
        assert_eq!(fs::read(dir.join("a.md")).unwrap(), b"old a");
        assert!(!dir.join("sub/b.svg").exists());
        let left = |d: &Path| fs::read_dir(d).unwrap().count();
        assert_eq!(
            (left(&dir), left(&dir.join("sub"))),
            (3, 0),
            "no temporary file left"
        );
        fs::remove_dir_all(dir.join("c.json")).unwrap();
        write_all_or_nothing(&files).unwrap();
        assert_eq!(fs::read(dir.join("c.json")).unwrap(), b"new c");
        assert_eq!(fs::read(dir.join("a.md")).unwrap(), b"new a");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_output_folder_that_is_a_file_or_a_device_is_refused_by_name() {
        let dir = scratch("folder");
        let file = dir.join("file.txt");
        fs::write(&file, b"x").unwrap();
        let error = create_folder(&file).unwrap_err().to_string();
        assert_eq!(error, "a file is there, not a folder");
        #[cfg(unix)]
        {
            let error = create_folder(Path::new("/dev/null"))
                .unwrap_err()
                .to_string();
            assert_eq!(error, "a device is there, not a folder");
        }
        create_folder(&dir.join("a/b")).unwrap();
        assert!(dir.join("a/b").is_dir());
        create_folder(&dir.join("a/b")).unwrap(); // already there: fine
        fs::remove_dir_all(dir).unwrap();
    }
}
