//! Multi-pattern matching for the prefilter.
