//! API-key records on Redis: every replica verifies the keys any of them made.
//!
//! Three keys under one hash tag (`<prefix>{apikeys}:records`, `:by_hash`,
//! `:order`): records as JSON by id, ids by keyed hash (hex), and ids oldest first.
//! Writes are scripts: an insert refuses a duplicate id or hash and a store past
//! [`MAX_RECORDS`]; an update is a compare-and-set on the record's JSON, retried when
//! another replica changed the record meanwhile.

use std::sync::Arc;

use redis::Value;

use super::{RedisStore, evalsha_keys, pipeline, push_hex};
use crate::secrets::apikey::{ApiKeyError, ApiKeyRecord, ApiKeyStore, KeyHash, MAX_RECORDS, RecordUpdate};
use crate::store::StoreError;

/// How often an update is tried again when other replicas keep changing the record.
const UPDATE_ATTEMPTS: usize = 8;
/// The most bytes of one stored record that are read.
const MAX_RECORD_BYTES: usize = 64 << 10;

impl RedisStore {
    fn apikey_names(&self) -> [String; 3] {
        let prefix = &self.inner.options.prefix;
        [
            format!("{prefix}{{apikeys}}:records"),
            format!("{prefix}{{apikeys}}:by_hash"),
            format!("{prefix}{{apikeys}}:order"),
        ]
    }

    async fn apikey_call(&self, build: impl FnOnce(&mut redis::Pipeline, &[String; 3])) -> Result<Value, ApiKeyError> {
        let names = self.apikey_names();
        let mut pipe = pipeline();
        build(&mut pipe, &names);
        let mut replies = self.exchange("api_key", &pipe).await.map_err(store_error)?;
        match replies.pop() {
            Some(Value::ServerError(_)) | None => Err(ApiKeyError::Store("unexpected reply")),
            Some(reply) => Ok(reply),
        }
    }

    async fn record_by_id(&self, id: &str) -> Result<Option<String>, ApiKeyError> {
        let reply = self
            .apikey_call(|pipe, [records, ..]| {
                pipe.cmd("HGET").arg(records).arg(id);
            })
            .await?;
        redis::from_redis_value(reply).map_err(|_| ApiKeyError::Store("unexpected reply"))
    }
}

fn store_error(err: StoreError) -> ApiKeyError {
    match err {
        StoreError::Unavailable(why) => ApiKeyError::Store(why),
        StoreError::Full | StoreError::InvalidKey => ApiKeyError::Store("refused by the store"),
    }
}

fn hash_hex(hash: &KeyHash) -> String {
    let mut text = String::with_capacity(64);
    push_hex(&mut text, hash.as_bytes());
    text
}

fn parse(json: &str) -> Result<Arc<ApiKeyRecord>, ApiKeyError> {
    if json.len() > MAX_RECORD_BYTES {
        return Err(ApiKeyError::InvalidStore("stored record too large"));
    }
    serde_json::from_str(json)
        .map(Arc::new)
        .map_err(|_| ApiKeyError::InvalidStore("stored record is not a record"))
}

fn to_json(record: &ApiKeyRecord) -> Result<String, ApiKeyError> {
    serde_json::to_string(record).map_err(|_| ApiKeyError::Store("serialization failed"))
}

impl ApiKeyStore for RedisStore {
    async fn insert(&self, record: ApiKeyRecord) -> Result<(), ApiKeyError> {
        let json = to_json(&record)?;
        let reply = self
            .apikey_call(|pipe, [records, by_hash, order]| {
                evalsha_keys(pipe, &self.inner.key_insert, &[records, by_hash, order])
                    .arg(&record.id)
                    .arg(hash_hex(&record.hash))
                    .arg(&json)
                    .arg(MAX_RECORDS);
            })
            .await?;
        match redis::from_redis_value::<i64>(reply) {
            Ok(1) => Ok(()),
            Ok(0) => Err(ApiKeyError::Conflict),
            Ok(_) => Err(ApiKeyError::Store("the store holds its most records")),
            Err(_) => Err(ApiKeyError::Store("unexpected reply")),
        }
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        let reply = self
            .apikey_call(|pipe, [records, by_hash, _]| {
                evalsha_keys(pipe, &self.inner.key_find, &[records, by_hash]).arg(hash_hex(hash));
            })
            .await?;
        let json: Option<String> =
            redis::from_redis_value(reply).map_err(|_| ApiKeyError::Store("unexpected reply"))?;
        json.as_deref().map(parse).transpose()
    }

    async fn get(&self, id: &str) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.record_by_id(id).await?.as_deref().map(parse).transpose()
    }

    async fn list(&self) -> Result<Vec<Arc<ApiKeyRecord>>, ApiKeyError> {
        let reply = self
            .apikey_call(|pipe, [records, _, order]| {
                evalsha_keys(pipe, &self.inner.key_list, &[records, order]);
            })
            .await?;
        let jsons: Vec<Option<String>> =
            redis::from_redis_value(reply).map_err(|_| ApiKeyError::Store("unexpected reply"))?;
        jsons.iter().flatten().map(|json| parse(json)).collect()
    }

    async fn update(&self, id: &str, update: RecordUpdate) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let Some(current_json) = self.record_by_id(id).await? else {
                return Ok(None);
            };
            let current = parse(&current_json)?;
            let mut record = ApiKeyRecord::clone(&current);
            if !update.apply(&mut record) {
                return Ok(Some(current));
            }
            let json = to_json(&record)?;
            let reply = self
                .apikey_call(|pipe, [records, by_hash, _]| {
                    evalsha_keys(pipe, &self.inner.key_update, &[records, by_hash])
                        .arg(id)
                        .arg(&current_json)
                        .arg(&json)
                        .arg(hash_hex(&current.hash))
                        .arg(hash_hex(&record.hash));
                })
                .await?;
            match redis::from_redis_value::<i64>(reply) {
                Ok(1) => return Ok(Some(Arc::new(record))),
                Ok(0) => continue,
                Ok(_) => return Err(ApiKeyError::Conflict),
                Err(_) => return Err(ApiKeyError::Store("unexpected reply")),
            }
        }
        Err(ApiKeyError::Store("the record kept changing"))
    }
}
