//! Prometheus metrics: the text exposition writer and the scrape endpoint.
//!
//! [`text::TextWriter`] renders counters, gauges and histograms in the text format 0.0.4.
//! [`http::MetricsServer`] serves `/metrics`, `/healthz` and `/readyz` from a few threads of
//! its own, with optional basic auth and (with the `tls` feature) TLS. The server only calls
//! the closures in [`http::Endpoints`]; whoever owns the counters decides how to read them
//! without slowing the packet path.

pub mod http;
pub mod text;

pub use http::{BasicAuth, Endpoints, HttpConfig, MetricsError, MetricsServer, TlsFiles};
pub use text::{Kind, TextWriter};

#[cfg(test)]
mod tests;
