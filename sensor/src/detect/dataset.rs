//! Indicator sets (Suricata datasets).
