//! Real-world CPU: the photo pipeline of "Processing images" (decode, blur,
//! shrink, encode, write atomically), exact and fast, and the book's blur.

pub mod blur;
pub mod pipeline;
