//! ring, plugged into jsonwebtoken's `CryptoProvider` seam: one file per algorithm
//! family. The public side of the seam is [`interop`](super::interop).

pub(crate) mod ecdsa;
pub(crate) mod eddsa;
pub(crate) mod hmac;
pub(crate) mod rsa;

use std::sync::OnceLock;

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind, Result};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{DecodingKey, EncodingKey};
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

use super::{Algorithm, SigningKey, VerifyingKey};

/// jsonwebtoken's [`CryptoProvider`], backed by ring, for HS256/384/512,
/// RS256/384/512, PS256/384/512, ES256, ES384 and EdDSA. Its keys obey portcullis's
/// rules: HMAC secrets under the hash size and RSA moduli under 2048 bits are refused.
pub static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: rsa_components_from_private_key,
        rsa_pub_components_from_public_key: rsa_components_from_public_key,
        ec_pub_components_from_private_key: ec_components_from_private_key,
        ed_pub_components_from_private_key: ed_components_from_private_key,
        compute_digest,
    },
};

/// Installs [`PROVIDER`] as jsonwebtoken's process-wide provider, once. Returns `true`
/// when portcullis's provider is the one in place, `false` when the application had
/// installed another before (which then stays; see the
/// [module docs](super::interop)).
pub fn install() -> bool {
    static OURS: OnceLock<bool> = OnceLock::new();
    *OURS.get_or_init(|| PROVIDER.install_default().is_ok())
}

fn our_algorithm(alg: &jsonwebtoken::Algorithm) -> Result<Algorithm> {
    Algorithm::try_from(*alg).map_err(|_| Error::from(ErrorKind::InvalidAlgorithm))
}

fn new_signer(alg: &jsonwebtoken::Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    let alg = our_algorithm(alg)?;
    let key = SigningKey::from_encoding_key(alg, key).map_err(|_| Error::from(ErrorKind::InvalidKeyFormat))?;
    Ok(Box::new(key))
}

fn new_verifier(alg: &jsonwebtoken::Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    let alg = our_algorithm(alg)?;
    let key = VerifyingKey::from_decoding_key(alg, key).map_err(|_| Error::from(ErrorKind::InvalidKeyFormat))?;
    Ok(Box::new(key))
}

impl Verifier<Vec<u8>> for VerifyingKey {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        if self.verify_signature(msg, signature) {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl JwtVerifier for VerifyingKey {
    fn algorithm(&self) -> jsonwebtoken::Algorithm {
        VerifyingKey::algorithm(self).into()
    }
}

impl Signer<Vec<u8>> for SigningKey {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        self.sign(msg).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for SigningKey {
    fn algorithm(&self) -> jsonwebtoken::Algorithm {
        SigningKey::algorithm(self).into()
    }
}

fn rsa_components_from_private_key(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    let pair = RsaKeyPair::from_der(der).map_err(|e| Error::from(ErrorKind::InvalidRsaKey(e.to_string())))?;
    let public = rsa::public_of(&pair);
    Ok((public.n, public.e))
}

fn rsa_components_from_public_key(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    let (n, e) = super::der::rsa_public_key(der)
        .ok_or_else(|| Error::from(ErrorKind::InvalidRsaKey("not a PKCS#1 RSA public key".into())))?;
    Ok((n.to_vec(), e.to_vec()))
}

fn ec_components_from_private_key(
    der: &[u8],
    alg: jsonwebtoken::Algorithm,
) -> Result<(EllipticCurve, Vec<u8>, Vec<u8>)> {
    let ours = our_algorithm(&alg)?;
    let (Some(signing), Some(len)) = (ecdsa::signing(ours), ecdsa::coordinate_len(ours)) else {
        return Err(ErrorKind::InvalidEcdsaKey.into());
    };
    let curve = if ours == Algorithm::ES256 {
        EllipticCurve::P256
    } else {
        EllipticCurve::P384
    };
    let pair = EcdsaKeyPair::from_pkcs8(signing, der, &ring::rand::SystemRandom::new())
        .map_err(|_| Error::from(ErrorKind::InvalidEcdsaKey))?;
    let (x, y) = pair.public_key().as_ref()[1..].split_at(len);
    Ok((curve, x.to_vec(), y.to_vec()))
}

fn ed_components_from_private_key(der: &[u8], curve: &EllipticCurve) -> Result<Vec<u8>> {
    if *curve != EllipticCurve::Ed25519 {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|_| Error::from(ErrorKind::InvalidEddsaKey))?;
    Ok(pair.public_key().as_ref().to_vec())
}

fn compute_digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>> {
    let algorithm = match hash {
        ThumbprintHash::SHA256 => &ring::digest::SHA256,
        ThumbprintHash::SHA384 => &ring::digest::SHA384,
        ThumbprintHash::SHA512 => &ring::digest::SHA512,
        _ => return Err(ErrorKind::InvalidAlgorithm.into()),
    };
    Ok(ring::digest::digest(algorithm, data).as_ref().to_vec())
}
