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
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = fs::write(&temporary, bytes).and_then(|()| fs::rename(&temporary, &path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
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
}
