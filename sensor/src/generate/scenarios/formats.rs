//! TODO
use super::common::Ctx;

pub fn multi_iface(_ctx: &mut Ctx) {}
pub fn big_endian(_ctx: &mut Ctx) {}
pub fn nanosecond(_ctx: &mut Ctx) {}
