//! Envelope encryption of the keyring: a key-encryption key, held by a
//! [`KeyWrapper`] (a local master key, or a KMS), seals the keyring document.

use std::fmt;
use std::future::Future;
use std::io::{Read, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

use super::sealed::{self, Context, Suite};
use super::{Keyring, Plaintext, SecretsError};

/// The environment variable [`LocalKeyWrapper::from_env`] reads.
pub const MASTER_KEY_ENV: &str = "PORTCULLIS_MASTER_KEY";
/// The largest keyring file read: 2 MiB.
pub const MAX_KEYRING_FILE_BYTES: usize = 2 << 20;

/// Wraps and unwraps small secrets (a keyring document) under a key-encryption key it
/// holds: the seam between portcullis and a key manager.
///
/// The context binds a wrapped value to its use (`{"purpose":"keyring"}` for a
/// keyring): a wrapper must refuse to unwrap under another context, as AEAD
/// associated data does (AWS KMS and Google Cloud KMS take it as their encryption
/// context or additional authenticated data, Vault transit as its `context`). The
/// wrapped form is text, stored as is in the keyring file.
///
/// ```
/// use portcullis::secrets::{Context, KeyWrapper, LocalKeyWrapper};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let (wrapper, _master_key_text) = LocalKeyWrapper::generate()?;
/// let context = Context::new().with("purpose", "example")?;
/// let wrapped = wrapper.wrap(b"a small secret", &context).await?;
/// assert_eq!(&wrapper.unwrap(&wrapped, &context).await?[..], b"a small secret");
/// assert!(wrapper.unwrap(&wrapped, &Context::new()).await.is_err());
/// # Ok::<(), portcullis::secrets::SecretsError>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait KeyWrapper: Send + Sync {
    /// Its name, written in the keyring file's `wrapper` member and checked when the
    /// file is loaded (`local` for [`LocalKeyWrapper`]).
    fn name(&self) -> &str;

    /// Wraps `plaintext` bound to `context`.
    fn wrap(&self, plaintext: &[u8], context: &Context) -> impl Future<Output = Result<String, SecretsError>> + Send;

    /// Unwraps what [`wrap`](Self::wrap) made with the same context.
    fn unwrap(
        &self,
        wrapped: &str,
        context: &Context,
    ) -> impl Future<Output = Result<Zeroizing<Vec<u8>>, SecretsError>> + Send;
}

/// A key wrapper on a local 32-byte master key: sealed data (version 1, AES-256-GCM)
/// under the master key as key id 0.
///
/// The master key comes from a file or from the environment
/// ([`MASTER_KEY_ENV`]), as base64url text on one line; never from a command-line
/// argument, which other users of the machine can read. A master key file must be
/// mode 0600.
pub struct LocalKeyWrapper {
    key: Zeroizing<[u8; 32]>,
}

impl LocalKeyWrapper {
    /// A new random master key, and its text form (to store: it is the only way
    /// back into what it wraps).
    ///
    /// # Errors
    ///
    /// [`SecretsError::Random`].
    pub fn generate() -> Result<(LocalKeyWrapper, Zeroizing<String>), SecretsError> {
        use ring::rand::SecureRandom;
        let mut key = Zeroizing::new([0u8; 32]);
        ring::rand::SystemRandom::new()
            .fill(&mut key[..])
            .map_err(|_| SecretsError::Random)?;
        let text = Zeroizing::new(URL_SAFE_NO_PAD.encode(&key[..]));
        Ok((LocalKeyWrapper { key }, text))
    }

    /// The master key from its text form: 32 bytes as base64url (no padding), with
    /// surrounding white space ignored.
    ///
    /// # Errors
    ///
    /// [`SecretsError::InvalidMasterKey`].
    pub fn from_text(text: &str) -> Result<LocalKeyWrapper, SecretsError> {
        let text = text.trim();
        let mut key = Zeroizing::new([0u8; 32]);
        match URL_SAFE_NO_PAD.decode_slice(text.as_bytes(), &mut key[..]) {
            Ok(32) if text.len() == 43 => Ok(LocalKeyWrapper { key }),
            _ => Err(SecretsError::InvalidMasterKey("not 32 bytes of base64url")),
        }
    }

    /// The master key from a file of mode 0600 holding its text form.
    ///
    /// # Errors
    ///
    /// [`SecretsError::InsecurePermissions`], [`SecretsError::Io`],
    /// [`SecretsError::InvalidMasterKey`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<LocalKeyWrapper, SecretsError> {
        let text = read_secret_file(path.as_ref(), 1024)?;
        let text = std::str::from_utf8(&text).map_err(|_| SecretsError::InvalidMasterKey("not text"))?;
        LocalKeyWrapper::from_text(text)
    }

    /// The master key from the environment variable [`MASTER_KEY_ENV`].
    ///
    /// # Errors
    ///
    /// [`SecretsError::InvalidMasterKey`] when it is unset or not a master key.
    pub fn from_env() -> Result<LocalKeyWrapper, SecretsError> {
        let text = Zeroizing::new(
            std::env::var(MASTER_KEY_ENV)
                .map_err(|_| SecretsError::InvalidMasterKey("PORTCULLIS_MASTER_KEY is not set"))?,
        );
        LocalKeyWrapper::from_text(&text)
    }
}

impl KeyWrapper for LocalKeyWrapper {
    fn name(&self) -> &str {
        "local"
    }

    async fn wrap(&self, plaintext: &[u8], context: &Context) -> Result<String, SecretsError> {
        sealed::seal(&self.key, Suite::Aes256Gcm, 0, plaintext, context).map(|sealed| sealed::to_text(&sealed))
    }

    async fn unwrap(&self, wrapped: &str, context: &Context) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
        let wrapped = sealed::from_text(wrapped)?;
        let header = sealed::inspect(&wrapped)?;
        if header.key_id() != 0 {
            return Err(SecretsError::UnknownKey {
                key_id: header.key_id(),
            });
        }
        if header.suite() != Suite::Aes256Gcm {
            return Err(SecretsError::AuthenticationFailed);
        }
        sealed::open(&self.key, &header, &wrapped, context).map(Plaintext::into_zeroizing)
    }
}

impl fmt::Debug for LocalKeyWrapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKeyWrapper { key: <redacted> }")
    }
}

/// A keyring file (`DESIGN.md`): the keyring document sealed by a [`KeyWrapper`] under
/// the context `{"purpose":"keyring"}`, in a JSON envelope, mode 0600.
///
/// ```
/// use portcullis::secrets::{Keyring, KeyringFile, LocalKeyWrapper, Suite};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let dir = std::env::temp_dir().join(format!("portcullis-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
/// let path = dir.join("keyring.json");
/// let (wrapper, _master_key_text) = LocalKeyWrapper::generate()?;
///
/// let keyring = Keyring::generate(Suite::Aes256Gcm)?;
/// KeyringFile::save(&keyring, &path, &wrapper).await?;
/// let loaded = KeyringFile::load(&path, &wrapper).await?;
/// assert_eq!(loaded.keys(), keyring.keys());
/// # std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct KeyringFile;

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    format: &'a str,
    version: u32,
    wrapper: &'a str,
    sealed: &'a str,
}

const FORMAT: &str = "portcullis-keyring";

fn keyring_context() -> Context {
    Context::from_pairs([("purpose", "keyring")]).unwrap_or_default()
}

impl KeyringFile {
    /// Writes `keyring` to `path`, sealed by `wrapper`: atomically (a temporary file
    /// in the same directory, written, flushed to disk, renamed over `path`), mode
    /// 0600. The file I/O blocks; it is small and rare (start-up, rotation).
    ///
    /// # Errors
    ///
    /// The wrapper's errors; [`SecretsError::Io`].
    pub async fn save(
        keyring: &Keyring,
        path: impl AsRef<Path>,
        wrapper: &impl KeyWrapper,
    ) -> Result<(), SecretsError> {
        let document = keyring.to_document();
        let sealed = wrapper.wrap(document.as_bytes(), &keyring_context()).await?;
        let envelope = Envelope {
            format: FORMAT,
            version: 1,
            wrapper: wrapper.name(),
            sealed: &sealed,
        };
        let text = serde_json::to_string(&envelope).map_err(|_| SecretsError::InvalidKeyring("cannot serialize"))?;
        write_secret_file(path.as_ref(), text.as_bytes())
    }

    /// Reads the keyring at `path`, unsealed by `wrapper`.
    ///
    /// # Errors
    ///
    /// [`SecretsError::InsecurePermissions`] for a file that group or others may
    /// read or write; [`SecretsError::InvalidKeyring`] for an envelope that is not
    /// the documented one or names another wrapper; the wrapper's errors
    /// ([`SecretsError::AuthenticationFailed`] for another master key, or a changed
    /// file); the errors of [`Keyring::from_document`]; [`SecretsError::Io`].
    pub async fn load(path: impl AsRef<Path>, wrapper: &impl KeyWrapper) -> Result<Keyring, SecretsError> {
        let bytes = read_secret_file(path.as_ref(), MAX_KEYRING_FILE_BYTES)?;
        let envelope: Envelope<'_> =
            serde_json::from_slice(&bytes).map_err(|_| SecretsError::InvalidKeyring("not a keyring file"))?;
        if envelope.format != FORMAT || envelope.version != 1 {
            return Err(SecretsError::InvalidKeyring("not a version 1 keyring file"));
        }
        if envelope.wrapper != wrapper.name() {
            return Err(SecretsError::InvalidKeyring("sealed by another key wrapper"));
        }
        let document = wrapper.unwrap(envelope.sealed, &keyring_context()).await?;
        Keyring::from_document(&document)
    }
}

/// Writes `contents` to `path` as a file only its owner may read or write (mode
/// 0600): a new temporary file in the same directory, written, flushed to disk and
/// renamed over `path`, then the directory flushed. A reader sees the old file or the
/// new one, never a part; whatever `path` was (a looser file, a symbolic link) is
/// replaced, not written through.
///
/// # Errors
///
/// [`SecretsError::Io`].
pub fn write_secret_file(path: &Path, contents: &[u8]) -> Result<(), SecretsError> {
    let fail = |err: std::io::Error| SecretsError::io(path, &err);
    let name = path
        .file_name()
        .ok_or_else(|| fail(std::io::Error::other("not a file name")))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut attempt = 0u32;
    let (temp, mut file) = loop {
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.{attempt}.tmp", std::process::id()));
        let temp = dir.join(temp_name);
        match options.open(&temp) {
            Ok(file) => break (temp, file),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(err) => return Err(fail(err)),
        }
    };
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(err) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(err));
    }
    // The rename is durable once the directory is (best effort: not every platform
    // can open a directory).
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Reads a file that holds secrets, refusing one that group or others may read or
/// write (on Unix), or one longer than `limit` bytes. The bytes are zeroized when
/// dropped.
///
/// # Errors
///
/// [`SecretsError::InsecurePermissions`], [`SecretsError::TooLarge`],
/// [`SecretsError::Io`].
pub fn read_secret_file(path: &Path, limit: usize) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
    let fail = |err: std::io::Error| SecretsError::io(path, &err);
    let file = std::fs::File::open(path).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(fail)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(SecretsError::InsecurePermissions {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    // Sized once from the file's length, so that growing leaves no copies behind.
    let expected = file.metadata().map_or(0, |meta| meta.len()).min(limit as u64 + 1);
    let mut contents = Zeroizing::new(Vec::with_capacity(usize::try_from(expected).unwrap_or(limit) + 1));
    file.take(limit as u64 + 1).read_to_end(&mut contents).map_err(fail)?;
    if contents.len() > limit {
        return Err(SecretsError::TooLarge { limit });
    }
    Ok(contents)
}
