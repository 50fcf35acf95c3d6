//! Classic libpcap file reader (both byte orders, micro- and nanosecond resolution).
