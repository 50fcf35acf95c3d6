//! The bytes packets are read into, shared with the workers: a batch holds an `Arc` of the
//! chunk and offsets into it, so a frame is never copied between the input and the worker that
//! inspects it. The reader fills a chunk with large `read()`s while it holds the only reference,
//! and reuses it once every batch that pointed into it is done (`Input`).

pub struct SharedBuf(Box<[u8]>);

impl SharedBuf {
    /// A zeroed chunk of `len` bytes.
    pub(crate) fn new(len: usize) -> SharedBuf {
        SharedBuf(vec![0; len].into_boxed_slice())
    }

    #[inline]
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The chunk, to fill (the reader does, while it holds the only reference).
    #[inline]
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl std::fmt::Debug for SharedBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedBuf")
            .field("len", &self.0.len())
            .finish()
    }
}
