//! How an [`Entry`] is stored as a Redis value: one tag byte, then the entry's JSON —
//! as is (`j`), or DEFLATE-compressed (`z`) when it is larger than [`COMPRESS_ABOVE`]
//! (a 10,000-tag list is ~150 KB of JSON and ~25 KB compressed, which is what every
//! replica fetches on a warm render). Anything else reads as garbage.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use crate::cache::{CacheKey, Entry, FORMAT_VERSION};

/// Entries whose JSON is larger than this are compressed.
pub const COMPRESS_ABOVE: usize = 4096;
/// The largest entry decompressed: a value that inflates past it is garbage (a Redis
/// shared with others must not make this process allocate without bound).
const MAX_INFLATED: u64 = 64 << 20;

const PLAIN: u8 = b'j';
const DEFLATED: u8 = b'z';

/// A stored value that is not an entry of `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Garbage;

/// The value stored for `entry`.
pub fn encode(entry: &Entry) -> Vec<u8> {
    let json = serde_json::to_vec(entry).expect("entries serialise");
    if json.len() <= COMPRESS_ABOVE {
        let mut value = Vec::with_capacity(json.len() + 1);
        value.push(PLAIN);
        value.extend_from_slice(&json);
        return value;
    }
    let mut encoder = DeflateEncoder::new(vec![DEFLATED], Compression::fast());
    encoder.write_all(&json).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// The entry of `key` in `value`; another format version is a miss (`Ok(None)`), and
/// anything unreadable, or an entry of another host or repository, is [`Garbage`].
pub fn decode(key: &CacheKey, value: &[u8]) -> Result<Option<Entry>, Garbage> {
    let entry = decode_any(value)?;
    if entry
        .as_ref()
        .is_some_and(|e| e.host != key.host() || e.repository != key.repository())
    {
        return Err(Garbage);
    }
    Ok(entry)
}

/// The entry in `value`, whichever key it belongs to (for listing); another format
/// version is `Ok(None)`, anything unreadable [`Garbage`].
pub fn decode_any(value: &[u8]) -> Result<Option<Entry>, Garbage> {
    let json = match value.split_first() {
        Some((&PLAIN, json)) => std::borrow::Cow::Borrowed(json),
        Some((&DEFLATED, deflated)) => {
            let mut json = Vec::new();
            DeflateDecoder::new(deflated)
                .take(MAX_INFLATED + 1)
                .read_to_end(&mut json)
                .map_err(|_| Garbage)?;
            if json.len() as u64 > MAX_INFLATED {
                return Err(Garbage);
            }
            std::borrow::Cow::Owned(json)
        }
        _ => return Err(Garbage),
    };
    let entry: Entry = serde_json::from_slice(&json).map_err(|_| Garbage)?;
    if entry.version != FORMAT_VERSION {
        return Ok(None);
    }
    Ok(Some(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_small_and_large_and_rejects_garbage() {
        let key = CacheKey::new("reg.example", "team/app", None);
        let mut entry = Entry::new(&key);
        entry.set_tags(["1.0"].into_iter().collect(), 5);
        let small = encode(&entry);
        assert_eq!(small[0], PLAIN);
        assert_eq!(decode(&key, &small), Ok(Some(entry.clone())));

        entry.set_tags((0..2000).map(|i| format!("1.{i}.0")).collect(), 6);
        let large = encode(&entry);
        assert_eq!(large[0], DEFLATED);
        assert!(large.len() * 4 < serde_json::to_vec(&entry).unwrap().len());
        assert_eq!(decode(&key, &large), Ok(Some(entry.clone())));

        let other = CacheKey::new("reg.example", "team/other", None);
        assert_eq!(decode(&other, &large), Err(Garbage));
        for value in [&b""[..], b"x{}", b"j{", b"z\x00\x01garbage", b"jnull"] {
            assert_eq!(decode(&key, value), Err(Garbage), "{value:?}");
        }
        let mut old = serde_json::to_value(&entry).unwrap();
        old["version"] = 0.into();
        let mut value = vec![PLAIN];
        value.extend(serde_json::to_vec(&old).unwrap());
        assert_eq!(decode(&key, &value), Ok(None));
    }
}
