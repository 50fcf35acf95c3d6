//! pcapng reader (several interfaces and link types, both byte orders).
