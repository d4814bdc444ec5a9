//! The published RFC vectors of tests/data/rfc.

use portcullis::token::Jwk;

/// One published vector from tests/data/rfc.
// Each binary reads the members its tests need (token_attacks.rs only `public_jwk`,
// token_interop_pyjwt.rs only `jwk`): what one leaves unread, another reads.
#[allow(dead_code)]
pub struct RfcVector {
    pub alg: String,
    pub jwk: Jwk,
    pub public_jwk: Jwk,
    pub token: String,
    pub payload: String,
}

pub fn rfc_vector(file: &str) -> RfcVector {
    let path = format!("{}/tests/data/rfc/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vector file is JSON");
    let jwk = |name: &str| serde_json::from_value::<Jwk>(doc[name].clone()).expect("vector JWK");
    let text = |name: &str| doc[name].as_str().expect("vector string member").to_owned();
    RfcVector {
        alg: text("alg"),
        jwk: jwk("jwk"),
        public_jwk: jwk("public_jwk"),
        token: text("token"),
        payload: text("payload"),
    }
}
