//! The harness: what the examples need around their lesson (flags and the
//! `--json` summary, timelines and charts, memory probes, files written
//! atomically, generated photos, a loopback image server, timely clusters, recorded
//! outputs).
//! A reader of a chapter never needs to read it.

pub mod charts;
pub mod cli;
pub mod cluster;
pub mod files;
pub mod imageserver;
pub mod memory;
pub mod photos;
pub mod recorded;
pub mod speedup;
pub mod testimages;
pub mod timeline;
pub mod urls;
