//! TODO
use std::io::{self, Write};
pub struct Stats {
    pub packets: u64,
    pub bytes: u64,
}
pub fn generate(_w: Box<dyn Write>, _seed: u64, _size: u64) -> io::Result<Stats> {
    Ok(Stats {
        packets: 0,
        bytes: 0,
    })
}
