//! TODO
use super::common::Ctx;

pub fn vlan(_ctx: &mut Ctx) {}
pub fn ipv6(_ctx: &mut Ctx) {}
pub fn fragments(_ctx: &mut Ctx) {}
