//! Real-world I/O: the robust downloader of "Downloading images", blocking
//! and async, which never leaves a partial file.

pub mod download;
pub mod url_file;
