//! The image server's flags, which `image_server` and `download_images` (its
//! embedded server) share, and starting the server they describe.
//!
//! Example code that binds the harness's server to the flags, so it sits with
//! the examples (each includes it as `mod server`).

use std::time::Duration;

use clap::Args;
use harness::cli;
use image_server::{ImageServer, ServerConfig};

/// What the image server serves, and how slowly.
#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// How many photos the image server serves
    #[arg(long, value_parser = cli::parse_count, default_value = "15", allow_hyphen_values = true)]
    pub tasks: usize,
    /// The image server's latency per request, in seconds (a slow, distant server)
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.3", allow_hyphen_values = true)]
    pub seconds: Duration,
    /// Size of the photos, WIDTHxHEIGHT
    #[arg(long, value_parser = cli::parse_size, default_value = "1600x1200")]
    pub size: (u32, u32),
    /// The image server's bandwidth per response, in bytes per second (default: unlimited)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub bandwidth: Option<u64>,
}

impl ServerArgs {
    /// Starts the server on 127.0.0.1; a server that cannot start ends the program.
    pub fn start(&self) -> ImageServer {
        ImageServer::start(ServerConfig {
            photos: self.tasks,
            size: self.size,
            latency: self.seconds,
            bandwidth: self.bandwidth,
        })
        .unwrap_or_else(|error| cli::fail(format!("cannot start the image server: {error}")))
    }
}
