//! API keys against an independent implementation of their documented format
//! (tests/interop/check_apikey.py: Python's zlib CRC-32 and hmac), both ways: keys
//! and keyed hashes made here check there, typos fail there, and keys made there
//! check here.

mod common {
    pub mod interop;
}

use common::interop::interop_output;
use portcullis::password::Pepper;
use portcullis::secrets::apikey::{ApiKeys, MemoryApiKeyStore, NewApiKey, check, generate};

#[test]
fn keys_and_keyed_hashes_agree_with_python() {
    let secret = b"interop-pepper-of-thirty-two-byt".to_vec();
    let pepper_hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &Pepper::new("p1", secret).unwrap(), "pk").unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut entries = Vec::new();
    let mut typos = Vec::new();
    for n in 0..50 {
        let created = runtime
            .block_on(keys.create(NewApiKey::new(format!("svc-{n}"))))
            .unwrap();
        let hash = serde_json::to_value(created.record().hash).unwrap();
        entries.push(serde_json::json!({"key": created.key(), "hash": hash}));
        let mut typo = created.key().as_bytes().to_vec();
        let at = 3 + n % 36;
        typo[at] = if typo[at] == b'0' { b'1' } else { b'0' };
        typos.push(String::from_utf8(typo).unwrap());
    }
    for prefix in ["orders", "a1", "sixteencharsxyz0"] {
        let key = generate(prefix).unwrap();
        entries.push(serde_json::json!({"key": key.as_str(), "hash": null}));
    }
    let input = serde_json::json!({"pepper_hex": pepper_hex, "keys": entries, "typos": typos});
    let Some(output) = interop_output("apikey_interop", "check_apikey.py", &input.to_string()) else {
        return;
    };
    let answer: serde_json::Value = serde_json::from_str(&output).expect("the script's JSON");
    for key in answer["made"].as_array().expect("keys made in Python") {
        let key = key.as_str().unwrap();
        assert!(check(key).is_ok(), "a key made in Python fails check: {key}");
    }
}
