//! Real DNS messages from the corpora, with what tshark and Suricata 7.0.10 made of them.
