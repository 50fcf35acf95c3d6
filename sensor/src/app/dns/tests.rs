//! Tests on real messages, compression attacks, TCP framing and properties.
