//! Suricata rule language: parsing and per-buffer match evaluation.
