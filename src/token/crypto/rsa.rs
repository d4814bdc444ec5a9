//! RS256/384/512 and PS256/384/512 on ring. ring itself refuses moduli under 2048 bits
//! for verification; we refuse them earlier, at key construction.

use ring::signature::{self, RsaEncoding, RsaKeyPair, RsaParameters, RsaPublicKeyComponents};

use crate::token::Algorithm;

pub(crate) fn parameters(alg: Algorithm) -> Option<&'static RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

pub(crate) fn padding(alg: Algorithm) -> Option<&'static dyn RsaEncoding> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => return None,
    })
}

/// A public key as big-endian `n` and `e` without leading zeros.
pub(crate) struct PublicKey {
    pub(crate) n: Vec<u8>,
    pub(crate) e: Vec<u8>,
}

impl PublicKey {
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Self {
        PublicKey {
            n: strip_zeros(n).to_vec(),
            e: strip_zeros(e).to_vec(),
        }
    }

    pub(crate) fn bits(&self) -> usize {
        match self.n.first() {
            Some(top) => self.n.len() * 8 - top.leading_zeros() as usize,
            None => 0,
        }
    }

    pub(crate) fn verify(&self, params: &RsaParameters, message: &[u8], sig: &[u8]) -> bool {
        RsaPublicKeyComponents { n: &self.n, e: &self.e }
            .verify(params, message, sig)
            .is_ok()
    }
}

pub(crate) fn public_of(pair: &RsaKeyPair) -> PublicKey {
    let parts: RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
    PublicKey::new(&parts.n, &parts.e)
}

pub(crate) fn sign(
    pair: &RsaKeyPair,
    padding: &'static dyn RsaEncoding,
    message: &[u8],
) -> Result<Vec<u8>, ring::error::Unspecified> {
    let mut out = vec![0; pair.public().modulus_len()];
    pair.sign(padding, &ring::rand::SystemRandom::new(), message, &mut out)?;
    Ok(out)
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}
