//! The base64 encoder behind `b64` and `b64_std`: the tests' own, so that hand-built
//! tokens and keys do not go through the crate's encoder.

/// `input` in base64 over `alphabet`, with `=` padding when `pad`.
pub fn encode_with(alphabet: &[u8; 64], input: &[u8], pad: bool) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        if pad {
            out.extend(std::iter::repeat_n('=', 4 - chars));
        }
    }
    out
}
