//! TLS handshakes: ClientHello/ServerHello, SNI, JA3/JA3S, JA4.
