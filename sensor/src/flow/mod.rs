//! Flow tracking: keys and the symmetric hash, the per-worker flow table, TCP state, Community ID.

pub mod community_id;
pub mod key;
pub mod table;
pub mod tcp;
pub mod tcp_ssn;

pub use key::{worker_for, Endpoints, FlowKey};
pub use table::{
    EndReason, Flow, FlowPacket, FlowRef, FlowState, FlowTable, FlowTableConfig, FlowTableStats,
    Timeouts, TO_CLIENT, TO_SERVER,
};
