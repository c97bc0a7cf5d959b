//! Sealed records: a complete response encrypted to the researcher's public key, so
//! that only the holder of the private key can read it (the format is described, with a
//! test vector, in `core/ENCRYPTION.md`; the form app seals with the browser's Web
//! Crypto, this module seals and opens natively for the CLI and the tests).
//!
//! - A fresh AES-256-GCM key and 96-bit IV per response encrypt the whole response
//!   (its JSON: instance id, questionnaire, status, answers, meta). The additional data
//!   binds the ciphertext to the clear instance id, questionnaire id and version.
//! - The AES key is wrapped with RSA-OAEP (SHA-256, MGF1-SHA-256) under the
//!   researcher's 3072-bit RSA key, which every browser's Web Crypto does natively and
//!   ODK's encrypted forms use as well (its `public_key` is the same SubjectPublicKeyInfo
//!   in base64).
//! - In the clear stays only what the server needs: the instance id, the questionnaire
//!   id and version, the status, when it was completed, which key sealed it, the size of
//!   the plain text and the SHA-256 of the ciphertext.
//! - The files its answers name (photos, signatures) are sealed with the same AES key,
//!   each with a fresh IV and additional data binding it to the response and its file
//!   name ([`seal_file`], [`open_file`]); the envelope lists each sealed file's name,
//!   SHA-256 and size ([`SealedFile`]), so the server checks uploads without reading
//!   them. A sealed file's name is the answer's with [`FILE_SUFFIX`].

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::rand_core::CryptoRngCore;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::response::{FormRef, Response, Status};
use crate::schema::Questionnaire;
use crate::{Code, Diagnostic};

/// The envelope format's name, in every envelope's `sealed` field.
pub const FORMAT: &str = "tianye-sealed-1";

/// What [`Envelope::key_check`] hashes before the AES key.
pub const KEY_CHECK: &[u8] = b"tianye-sealed-1 key check";

/// The size of the researcher's RSA key, in bits.
pub const KEY_BITS: usize = 3072;

/// What a sealed file's name adds to its answer's file name (`sig-1a2b.png` is sent
/// and kept as `sig-1a2b.png.sealed`).
pub const FILE_SUFFIX: &str = ".sealed";

/// What sealing adds to a file: its 12-byte IV before, the 16-byte tag after.
pub const FILE_OVERHEAD: u64 = 28;

/// What a sealed file's additional data starts with (then `\n`, the instance id, `\n`,
/// the answer's file name).
pub const FILE_FORMAT: &str = "tianye-sealed-1 file";

/// One sealed file of a response, as its envelope lists it: what the server checks an
/// upload against. The answer inside names the plain file, its hash and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedFile {
    /// The answer's file name and [`FILE_SUFFIX`].
    pub file: String,
    /// The lowercase hex SHA-256 of the sealed bytes.
    pub sha256: String,
    /// The sealed bytes' length: the plain file's and [`FILE_OVERHEAD`].
    pub size: u64,
}

impl SealedFile {
    /// The answer's file name this sealed file holds, if its name is a sealed file's.
    pub fn plain_name(&self) -> Option<&str> {
        plain_name(&self.file)
    }
}

/// The answer's file name a sealed file named `sealed` holds (its name without
/// [`FILE_SUFFIX`]), if it has the suffix and something before it.
pub fn plain_name(sealed: &str) -> Option<&str> {
    sealed.strip_suffix(FILE_SUFFIX).filter(|p| !p.is_empty())
}

/// The AES key of one opened envelope, which opens the files sealed with it. Its
/// `Debug` shows no key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct FileKey([u8; 32]);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(…)")
    }
}

/// A sealed response, as stored on the phone, uploaded and kept by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Always [`FORMAT`].
    pub sealed: String,
    /// The response's `instance_id`, in the clear: uploads are deduplicated by it.
    pub instance_id: String,
    /// The questionnaire version answered, in the clear.
    pub questionnaire: FormRef,
    /// The response's status (only complete responses are sealed).
    pub status: Status,
    /// When the response was completed (its `meta.submitted_at`), if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// Which public key sealed it: `sha256:` and the hex SHA-256 of its
    /// SubjectPublicKeyInfo (DER).
    pub key: String,
    /// The AES-256 key, wrapped with RSA-OAEP-SHA-256, in base64.
    pub wrapped_key: String,
    /// The hex SHA-256 of [`KEY_CHECK`] followed by the AES key: tells a wrapped key taken
    /// from another record from clear fields that were changed. (The key is 256 random
    /// bits: its hash gives nothing away.)
    pub key_check: String,
    /// The 12-byte AES-GCM IV, in base64.
    pub iv: String,
    /// The response's JSON encrypted with AES-256-GCM (the 16-byte tag at its end), in
    /// base64.
    pub ciphertext: String,
    /// How many bytes the response's JSON has.
    pub plain_size: u64,
    /// `sha256:` and the hex SHA-256 of the ciphertext's bytes.
    pub digest: String,
    /// The sealed files of its answers, each once (none when the answers name no file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<SealedFile>,
}

impl Envelope {
    /// Reads an envelope from its JSON.
    pub fn from_json(text: &str) -> Result<Envelope, OpenError> {
        serde_json::from_str(text).map_err(|e| OpenError::Malformed(e.to_string()))
    }
}

/// Why an envelope could not be opened. Each names a different thing gone wrong, so the
/// researcher knows whether to look for another key or for a damaged file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Not an envelope of this format, or one with a field missing, cut short or not
    /// valid base64.
    #[error("not a whole sealed record ({0})")]
    Malformed(String),
    /// Sealed to another public key than the private key given.
    #[error("sealed to another key ({0}), not to this one")]
    WrongKey(String),
    /// The ciphertext's bytes are not the ones sealed (its digest differs).
    #[error("the ciphertext was altered (its SHA-256 differs)")]
    CiphertextAltered,
    /// The wrapped key does not open with this private key, or opens to a key that does
    /// not decrypt this ciphertext: it was altered or taken from another record.
    #[error("the wrapped key does not belong to this record")]
    KeyMismatch,
    /// Decrypted, but the clear fields (instance id, questionnaire) were changed, or the
    /// plain text is no response.
    #[error("the record's clear fields do not match what was sealed ({0})")]
    HeaderAltered(String),
    /// A sealed file that does not open with its response's key for its name: altered,
    /// cut, or taken from another response or another file.
    #[error("a sealed file does not open ({0})")]
    FileAltered(String),
}

/// A researcher's public key read from what a questionnaire or a `.pem` file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: RsaPublicKey,
    spki: Vec<u8>,
}

/// Why a public key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Neither PEM nor base64.
    #[error("not a public key in PEM or base64")]
    NotAKey,
    /// An RSA key, but too small.
    #[error("an RSA key of {0} bits; at least 2048 are needed, 3072 recommended")]
    TooSmall(usize),
}

impl PublicKey {
    /// Reads a public key: a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY`
    /// (PKCS#1), or the one-line base64 of either's DER (ODK's `public_key` setting).
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let text = text.trim();
        let key = if text.starts_with("-----BEGIN") {
            RsaPublicKey::from_public_key_pem(text)
                .or_else(|_| RsaPublicKey::from_pkcs1_pem(text))
                .map_err(|_| KeyError::NotAKey)?
        } else {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let der = BASE64.decode(compact).map_err(|_| KeyError::NotAKey)?;
            RsaPublicKey::from_public_key_der(&der)
                .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
                .map_err(|_| KeyError::NotAKey)?
        };
        PublicKey::from_rsa(key)
    }

    /// The public half of `key`.
    pub fn from_rsa(key: RsaPublicKey) -> Result<PublicKey, KeyError> {
        use rsa::traits::PublicKeyParts;
        let bits = key.size() * 8;
        if bits < 2048 {
            return Err(KeyError::TooSmall(bits));
        }
        let spki = key.to_public_key_der().map_err(|_| KeyError::NotAKey)?.into_vec();
        Ok(PublicKey { key, spki })
    }

    /// The one-line base64 a questionnaire's `encryption.public_key` holds.
    pub fn to_base64(&self) -> String {
        BASE64.encode(&self.spki)
    }

    /// `sha256:` and the hex SHA-256 of the SubjectPublicKeyInfo: the envelope's `key`.
    pub fn id(&self) -> String {
        format!("sha256:{}", hex(&Sha256::digest(&self.spki)))
    }
}

/// The questionnaire's `encryption.public_key`, if it has one, checked: an error naming
/// it when it is no usable key (a form app could seal nothing with it).
pub fn check_questionnaire_key(q: &Questionnaire) -> Option<Diagnostic> {
    let key = &q.encryption.as_ref()?.public_key;
    let error = PublicKey::parse(key).err()?;
    let mut d = Diagnostic::error(Code::EncryptionKey, "encryption.public_key");
    if let KeyError::TooSmall(bits) = error {
        d = d.with("bits", bits);
    }
    Some(d)
}

/// The additional data AES-GCM authenticates with the ciphertext: the format, the
/// instance id, the questionnaire id and version, one per line.
fn additional_data(instance_id: &str, form: &FormRef) -> Vec<u8> {
    format!("{FORMAT}\n{instance_id}\n{}\n{}", form.id, form.version).into_bytes()
}

fn key_check(aes_key: &[u8]) -> String {
    hex(&Sha256::new().chain_update(KEY_CHECK).chain_update(aes_key).finalize())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The additional data AES-GCM authenticates with a sealed file: [`FILE_FORMAT`], the
/// instance id and the answer's file name, one per line.
fn file_additional_data(instance_id: &str, file: &str) -> Vec<u8> {
    format!("{FILE_FORMAT}\n{instance_id}\n{file}").into_bytes()
}

/// Seals `response` to `key` with randomness from `rng`.
pub fn seal(response: &Response, key: &PublicKey, rng: &mut impl CryptoRngCore) -> Envelope {
    seal_with_files(response, key, &[], rng).0
}

/// Seals `response` to `key` and, with the same AES key, each of `files` (the answer's
/// file name, the plain bytes): the envelope, listing the sealed files, and each sealed
/// file (its name, its bytes) to upload. The caller gives each file its answers name
/// once.
pub fn seal_with_files(
    response: &Response,
    key: &PublicKey,
    files: &[(&str, &[u8])],
    rng: &mut impl CryptoRngCore,
) -> (Envelope, Vec<(String, Vec<u8>)>) {
    let mut aes_key = [0u8; 32];
    rng.fill_bytes(&mut aes_key);
    let file_key = FileKey(aes_key);
    let mut sealed = Vec::with_capacity(files.len());
    let mut listed = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let mut iv = [0u8; 12];
        rng.fill_bytes(&mut iv);
        let out = seal_file(&file_key, &response.instance_id, name, bytes, iv);
        let file = format!("{name}{FILE_SUFFIX}");
        listed.push(SealedFile {
            file: file.clone(),
            sha256: hex(&Sha256::digest(&out)),
            size: out.len() as u64,
        });
        sealed.push((file, out));
    }
    let mut envelope = seal_keyed(response, key, &aes_key, rng);
    envelope.files = listed;
    (envelope, sealed)
}

/// Seals the file `file` (the answer's file name) of response `instance_id` with the
/// response's key and the 12-byte `iv`, which must never be used again with this key:
/// `iv`, then the ciphertext with its 16-byte tag at its end.
pub fn seal_file(
    key: &FileKey,
    instance_id: &str,
    file: &str,
    plain: &[u8],
    iv: [u8; 12],
) -> Vec<u8> {
    let cipher = Aes256Gcm::new(&key.0.into());
    let aad = file_additional_data(instance_id, file);
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&iv), Payload { msg: plain, aad: &aad })
        .expect("AES-GCM encrypts any file this size");
    let mut out = Vec::with_capacity(iv.len() + ciphertext.len());
    out.extend_from_slice(&iv);
    out.extend_from_slice(&ciphertext);
    out
}

/// Opens the sealed file of the answer's file name `file` of response `instance_id`
/// with its envelope's key (from [`open_keyed`]): the plain bytes. The caller checks
/// them against the answer's SHA-256 and size.
pub fn open_file(
    key: &FileKey,
    instance_id: &str,
    file: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, OpenError> {
    if (sealed.len() as u64) < FILE_OVERHEAD {
        return Err(OpenError::Malformed(format!("a sealed file of {} bytes", sealed.len())));
    }
    let (iv, ciphertext) = sealed.split_at(12);
    let cipher = Aes256Gcm::new(&key.0.into());
    let aad = file_additional_data(instance_id, file);
    cipher.decrypt(Nonce::from_slice(iv), Payload { msg: ciphertext, aad: &aad }).map_err(|_| {
        OpenError::FileAltered(
            "altered, sealed with another key, or of another response or file".to_owned(),
        )
    })
}

fn seal_keyed(
    response: &Response,
    key: &PublicKey,
    aes_key: &[u8; 32],
    rng: &mut impl CryptoRngCore,
) -> Envelope {
    let plain = serde_json::to_vec(response).expect("a response serialises");
    let aes_key = *aes_key;
    let mut iv = [0u8; 12];
    rng.fill_bytes(&mut iv);
    let aad = additional_data(&response.instance_id, &response.questionnaire);
    let cipher = Aes256Gcm::new(&aes_key.into());
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&iv), Payload { msg: &plain, aad: &aad })
        .expect("AES-GCM encrypts any message this size");
    let wrapped = key
        .key
        .encrypt(rng, Oaep::new::<Sha256>(), &aes_key)
        .expect("a 32-byte key fits RSA-OAEP under a 2048-bit or larger key");
    Envelope {
        sealed: FORMAT.to_owned(),
        instance_id: response.instance_id.clone(),
        questionnaire: response.questionnaire.clone(),
        status: response.status,
        submitted_at: response.meta.submitted_at.clone(),
        key: key.id(),
        wrapped_key: BASE64.encode(wrapped),
        key_check: key_check(&aes_key),
        iv: BASE64.encode(iv),
        digest: format!("sha256:{}", hex(&Sha256::digest(&ciphertext))),
        ciphertext: BASE64.encode(ciphertext),
        plain_size: plain.len() as u64,
        files: Vec::new(),
    }
}

/// An envelope's IV, wrapped key and ciphertext, decoded.
struct Parts {
    iv: Vec<u8>,
    wrapped: Vec<u8>,
    ciphertext: Vec<u8>,
}

/// Decodes an envelope's binary fields, checking without a key that it is whole: base64
/// of the right sizes (a wrapped key of at least a 2048-bit key's), and the ciphertext
/// the one sealed (its digest).
fn whole(envelope: &Envelope) -> Result<Parts, OpenError> {
    if envelope.sealed != FORMAT {
        return Err(OpenError::Malformed(format!("format {:?}", envelope.sealed)));
    }
    let decode = |field: &str, text: &str| {
        BASE64.decode(text).map_err(|_| OpenError::Malformed(format!("{field} is not base64")))
    };
    let parts = Parts {
        iv: decode("iv", &envelope.iv)?,
        wrapped: decode("wrapped_key", &envelope.wrapped_key)?,
        ciphertext: decode("ciphertext", &envelope.ciphertext)?,
    };
    if parts.iv.len() != 12 {
        return Err(OpenError::Malformed(format!("an IV of {} bytes", parts.iv.len())));
    }
    if parts.wrapped.len() < 256 {
        return Err(OpenError::Malformed(format!(
            "a wrapped key of {} bytes",
            parts.wrapped.len()
        )));
    }
    if parts.ciphertext.len() < 16 {
        return Err(OpenError::Malformed("a ciphertext shorter than its tag".to_owned()));
    }
    if envelope.digest != format!("sha256:{}", hex(&Sha256::digest(&parts.ciphertext))) {
        return Err(OpenError::CiphertextAltered);
    }
    check_files(&envelope.files)?;
    Ok(parts)
}

/// Checks an envelope's list of sealed files: at most
/// [`MAX_PER_RESPONSE`](crate::response::attachment::MAX_PER_RESPONSE), each a safe
/// name ending in [`FILE_SUFFIX`] listed once, a SHA-256 in lowercase hex, a size of a
/// file of 1 to [`MAX_SIZE`](crate::response::attachment::MAX_SIZE) bytes sealed.
fn check_files(files: &[SealedFile]) -> Result<(), OpenError> {
    use crate::response::attachment::{
        MAX_PER_RESPONSE, MAX_SIZE, is_safe_file_name, is_sha256_hex,
    };
    if files.len() > MAX_PER_RESPONSE {
        return Err(OpenError::Malformed(format!("{} sealed files", files.len())));
    }
    let mut seen = std::collections::HashSet::new();
    for f in files {
        let bad = |what: &str| {
            let name: String = f.file.chars().take(110).collect();
            Err(OpenError::Malformed(format!("sealed file {name:?}: {what}")))
        };
        if !is_safe_file_name(&f.file) || f.plain_name().is_none_or(|p| !is_safe_file_name(p)) {
            return bad("not a sealed file's name");
        }
        if !seen.insert(f.file.as_str()) {
            return bad("listed twice");
        }
        if !is_sha256_hex(&f.sha256) {
            return bad("sha256 is not 64 lowercase hex digits");
        }
        if f.size <= FILE_OVERHEAD || f.size > MAX_SIZE + FILE_OVERHEAD {
            return bad("size out of range");
        }
    }
    Ok(())
}

/// Checks, without a key, that an envelope is whole (see [`open`] for what else opening
/// checks). The server does this before it stores an envelope.
pub fn check_digest(envelope: &Envelope) -> Result<(), OpenError> {
    whole(envelope).map(drop)
}

/// Opens `envelope` with the researcher's private key: the response sealed in it.
pub fn open(envelope: &Envelope, private: &RsaPrivateKey) -> Result<Response, OpenError> {
    open_keyed(envelope, private).map(|(response, _)| response)
}

/// [`open`], with the envelope's key, which opens its sealed files ([`open_file`]).
pub fn open_keyed(
    envelope: &Envelope,
    private: &RsaPrivateKey,
) -> Result<(Response, FileKey), OpenError> {
    let public = PublicKey::from_rsa(private.to_public_key())
        .map_err(|e| OpenError::WrongKey(e.to_string()))?;
    if envelope.key != public.id() {
        return Err(OpenError::WrongKey(envelope.key.clone()));
    }
    let Parts { iv, wrapped, ciphertext } = whole(envelope)?;
    use rsa::traits::PublicKeyParts;
    if wrapped.len() != private.size() {
        return Err(OpenError::Malformed(format!("a wrapped key of {} bytes", wrapped.len())));
    }
    let aes_key =
        private.decrypt(Oaep::new::<Sha256>(), &wrapped).map_err(|_| OpenError::KeyMismatch)?;
    if aes_key.len() != 32 || key_check(&aes_key) != envelope.key_check {
        return Err(OpenError::KeyMismatch);
    }
    let cipher = Aes256Gcm::new_from_slice(&aes_key).map_err(|_| OpenError::KeyMismatch)?;
    let aad = additional_data(&envelope.instance_id, &envelope.questionnaire);
    let plain = cipher
        .decrypt(Nonce::from_slice(&iv), Payload { msg: &ciphertext, aad: &aad })
        // The ciphertext and the key are the ones sealed together (digest and key check
        // matched): what changed is the clear fields bound to them.
        .map_err(|_| OpenError::HeaderAltered("instance id or questionnaire".to_owned()))?;
    let response: Response = serde_json::from_slice(&plain)
        .map_err(|e| OpenError::HeaderAltered(format!("the plain text is no response: {e}")))?;
    if response.instance_id != envelope.instance_id
        || response.questionnaire != envelope.questionnaire
    {
        return Err(OpenError::HeaderAltered("instance id or questionnaire".to_owned()));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&aes_key);
    Ok((response, FileKey(key)))
}
