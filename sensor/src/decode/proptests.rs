//! Property tests: no input makes the decoders panic or report offsets outside the frame.
