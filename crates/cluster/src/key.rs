//! The cluster's shared secret (`--key-file`), and the keyed hashes that let
//! two members prove to each other that they hold it, before either says
//! anything about the job or timely gets the connection.
//!
//! Each side of a connection sends a fresh random nonce; each answers with
//! HMAC-SHA256 over both nonces under the key, labelled by its side so that
//! one side's answer cannot be sent back as the other's. A stranger without
//! the key cannot answer, and learns nothing but two random numbers. The key
//! authenticates the start-up only: the connection itself is plain TCP,
//! neither encrypted nor protected against someone who can change packets
//! on the way (see "Running on several hosts").

use std::fs;
use std::io;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// A key needs at least this many bytes (`head -c 32 /dev/urandom` gives 32).
const MIN_KEY_BYTES: usize = 16;
/// Bytes of a nonce, and of a tag (SHA-256's output).
pub(crate) const NONCE_BYTES: usize = 32;
pub(crate) const TAG_BYTES: usize = 32;

/// Whose tag it is: the side that listens or the side that calls.
pub(crate) const LISTENER: &[u8] = b"cbook listener";
pub(crate) const CALLER: &[u8] = b"cbook caller";

/// The secret the members share, or none (`Key::none`): then any process
/// that speaks the protocol can join, as with timely's own start-up.
#[derive(Clone, Default)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_set() {
            "Key(..)"
        } else {
            "Key(none)"
        })
    }
}

impl Key {
    /// No key: every member must run without one.
    pub fn none() -> Key {
        Key(Vec::new())
    }

    /// Whether the members must prove a secret.
    pub fn is_set(&self) -> bool {
        !self.0.is_empty()
    }

    /// Reads `--key-file`: every byte of the file is the key. Refused, naming
    /// the file: missing, shorter than 16 bytes, or readable by other users.
    pub fn read(path: &Path) -> Result<Key, String> {
        let at = |why: String| format!("--key-file {}: {why}", path.display());
        let metadata = fs::metadata(path).map_err(|e| at(e.to_string()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(at(format!(
                    "other users may read it (mode {mode:o}): `chmod 600` it"
                )));
            }
        }
        if !metadata.is_file() {
            return Err(at("not a file".into()));
        }
        let bytes = fs::read(path).map_err(|e| at(e.to_string()))?;
        if bytes.len() < MIN_KEY_BYTES {
            return Err(at(format!(
                "{} bytes; a key needs at least {MIN_KEY_BYTES} \
                 (`head -c 32 /dev/urandom > FILE` makes one)",
                bytes.len()
            )));
        }
        Ok(Key(bytes))
    }

    /// Writes a fresh random key to the new file `path`, readable by its
    /// owner only: what a launched cluster's members share.
    pub fn create(path: &Path) -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut key = [0; 32];
        getrandom::fill(&mut key).map_err(io::Error::other)?;
        io::Write::write_all(&mut options.open(path)?, &key)
    }

    /// The tag of `parts` for side `label`: HMAC-SHA256 under the key, over
    /// each part with its length, so that no two lists of parts collide.
    pub(crate) fn tag(&self, label: &[u8], parts: &[&[u8]]) -> [u8; TAG_BYTES] {
        self.mac(label, parts).finalize().into_bytes().into()
    }

    /// Whether `tag` is the tag of `parts` for side `label` (compared in
    /// constant time).
    pub(crate) fn verify(&self, label: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
        self.mac(label, parts).verify_slice(tag).is_ok()
    }

    fn mac(&self, label: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key");
        for part in [label].iter().chain(parts) {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac
    }
}

/// A fresh random nonce from the operating system.
pub(crate) fn nonce() -> Result<[u8; NONCE_BYTES], String> {
    let mut nonce = [0; NONCE_BYTES];
    getrandom::fill(&mut nonce).map_err(|e| format!("no random numbers for a nonce: {e}"))?;
    Ok(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_checks_only_under_the_same_key_side_and_parts() {
        let key = Key(b"sixteen bytes at least".to_vec());
        let tag = key.tag(CALLER, &[b"ab", b"c"]);
        assert!(key.verify(CALLER, &[b"ab", b"c"], &tag));
        assert!(
            !key.verify(LISTENER, &[b"ab", b"c"], &tag),
            "the other side"
        );
        assert!(!key.verify(CALLER, &[b"a", b"bc"], &tag), "parts moved");
        let other = Key(b"another key, also long".to_vec());
        assert!(!other.verify(CALLER, &[b"ab", b"c"], &tag), "another key");
        assert!(!Key::none().verify(CALLER, &[b"ab", b"c"], &tag), "no key");
    }

    #[test]
    fn key_files_are_refused_when_short_missing_or_readable_by_others() {
        let dir = std::env::temp_dir().join(format!("cluster-key-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let made = dir.join("made.key");
        Key::create(&made).unwrap();
        assert!(Key::read(&made).unwrap().is_set());
        assert!(
            Key::create(&made).is_err(),
            "an existing file is not replaced"
        );
        let missing = Key::read(&dir.join("missing.key")).unwrap_err();
        assert!(missing.contains("missing.key"), "{missing}");
        let short = dir.join("short.key");
        fs::write(&short, b"too short").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&short, fs::Permissions::from_mode(0o600)).unwrap();
            let open = dir.join("open.key");
            fs::write(&open, [7; 32]).unwrap();
            fs::set_permissions(&open, fs::Permissions::from_mode(0o644)).unwrap();
            assert!(Key::read(&open).unwrap_err().contains("chmod 600"));
        }
        assert!(Key::read(&short).unwrap_err().contains("at least 16"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
