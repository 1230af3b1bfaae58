//! Reading a file whole with a bound on its size, for the scenario file
//! and everything a run directory holds: the lowest layer of the runner,
//! under the scenario format.

use std::fs;
use std::io;
use std::path::Path;

/// Reads the file at `path` whole, but at most `limit` bytes of it: a file
/// that is larger (or a device that never ends, such as `/dev/zero`) is an
/// error of kind [`io::ErrorKind::FileTooLarge`], after reading at most
/// `limit + 1` bytes (none for a regular file whose size says so).
///
/// # Errors
///
/// The failed operation, or a file larger than `limit`.
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let too_large = || {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("the file is larger than the limit of {}", bytes_text(limit)),
        )
    };
    let file = fs::File::open(path)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// `67108864` as `64 MiB (67108864 bytes)`, for messages about limits.
pub fn bytes_text(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB ({bytes} bytes)", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}
