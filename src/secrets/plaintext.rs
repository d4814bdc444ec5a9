//! The bytes [`Keyring::open`](super::Keyring::open) returns: wiped when dropped.

use std::fmt;
use std::ops::Deref;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// An opened plaintext. It reads as a byte slice (`&opened[..]`, [`as_bytes`]), is
/// wiped from memory when dropped, and its `Debug` shows only its length.
///
/// Two plaintexts compare in constant time for a given length.
///
/// The wipe covers the whole allocation with volatile writes the compiler cannot
/// remove, as [`zeroize`] does, but a machine word at a time: a byte-wise wipe costs
/// about as much as opening a 64 KiB value with ChaCha20-Poly1305 takes.
///
/// ```
/// use portcullis::secrets::{Context, Keyring, Suite};
///
/// let keyring = Keyring::generate(Suite::ChaCha20Poly1305)?;
/// let sealed = keyring.seal(b"client secret", &Context::new())?;
/// let opened = keyring.open(&sealed, &Context::new())?;
/// assert_eq!(opened.as_bytes(), b"client secret");
/// assert_eq!(format!("{opened:?}"), "Plaintext([redacted; 13 bytes])");
/// # Ok::<(), portcullis::secrets::SecretsError>(())
/// ```
///
/// [`as_bytes`]: Self::as_bytes
pub struct Plaintext {
    bytes: Vec<u8>,
}

impl Plaintext {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// The bytes.
    ///
    /// ```
    /// # use portcullis::secrets::{Context, Keyring, Suite};
    /// # let keyring = Keyring::generate(Suite::Aes256Gcm)?;
    /// let opened = keyring.open(&keyring.seal(b"x", &Context::new())?, &Context::new())?;
    /// assert_eq!(opened.as_bytes(), b"x");
    /// # Ok::<(), portcullis::secrets::SecretsError>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Shortens the plaintext to `len` bytes (the dropped tail is wiped with the rest).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.bytes.truncate(len);
    }

    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// The bytes in a [`Zeroizing`] vector, for code that keeps them in one (wiped
    /// byte by byte when it drops).
    ///
    /// ```
    /// # use portcullis::secrets::{Context, Keyring, Suite};
    /// # let keyring = Keyring::generate(Suite::Aes256Gcm)?;
    /// let opened = keyring.open(&keyring.seal(b"x", &Context::new())?, &Context::new())?;
    /// let kept: zeroize::Zeroizing<Vec<u8>> = opened.into_zeroizing();
    /// assert_eq!(&kept[..], b"x");
    /// # Ok::<(), portcullis::secrets::SecretsError>(())
    /// ```
    pub fn into_zeroizing(mut self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(std::mem::take(&mut self.bytes))
    }
}

impl Deref for Plaintext {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl AsRef<[u8]> for Plaintext {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

/// Compares in constant time for a given length (through `subtle`), so that code
/// comparing an opened value with a guess does not leak where they differ.
impl PartialEq for Plaintext {
    fn eq(&self, other: &Self) -> bool {
        self.bytes.ct_eq(&other.bytes).into()
    }
}

impl Eq for Plaintext {}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plaintext([redacted; {} bytes])", self.bytes.len())
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        wipe(&mut self.bytes);
    }
}

/// Overwrites all of `bytes`' allocation, its spare capacity too, with zeros.
fn wipe(bytes: &mut Vec<u8>) {
    // Within capacity: no reallocation, so no copy is left behind.
    bytes.resize(bytes.capacity(), 0);
    wipe_slice(bytes);
    bytes.clear();
}

/// Zeros `bytes` with volatile writes: the unaligned ends a byte at a time, the
/// aligned middle a `u64` at a time.
fn wipe_slice(bytes: &mut [u8]) {
    let (head, words, tail) = bytemuck::pod_align_to_mut::<u8, u64>(bytes);
    head.zeroize();
    words.zeroize();
    tail.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wipe_zeros_every_byte_at_any_alignment_and_length() {
        let mut backing = vec![0xA5u8; 2048];
        for offset in 0..8 {
            for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000] {
                backing.fill(0xA5);
                wipe_slice(&mut backing[offset..offset + len]);
                assert!(backing[offset..offset + len].iter().all(|&b| b == 0), "{offset}+{len}");
                assert!(backing[..offset].iter().all(|&b| b == 0xA5), "nothing before");
                assert!(backing[offset + len..].iter().all(|&b| b == 0xA5), "nothing after");
            }
        }
    }

    #[test]
    fn the_wipe_keeps_the_allocation_and_empties_the_vector() {
        let mut bytes = Vec::with_capacity(100);
        bytes.extend_from_slice(&[0x5Au8; 37]);
        let (pointer, capacity) = (bytes.as_ptr(), bytes.capacity());
        wipe(&mut bytes);
        assert!(bytes.is_empty());
        assert_eq!(
            (bytes.as_ptr(), bytes.capacity()),
            (pointer, capacity),
            "no reallocation"
        );
    }

    #[test]
    fn into_zeroizing_hands_over_the_bytes() {
        let opened = Plaintext::new(b"secret".to_vec());
        assert_eq!(&opened.into_zeroizing()[..], b"secret");
    }
}
