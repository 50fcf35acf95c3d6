//! TODO
use super::common::Ctx;

pub fn build(_ctx: &mut Ctx) {}
