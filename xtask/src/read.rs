//! Bounded reads of regular files only: the spec, and files under the output folder.
//!
//! A FIFO blocks `open` until a writer comes (forever, for a FIFO nobody writes), and a device
//! such as `/dev/zero` never ends; both hung or filled memory when read with `fs::read_to_string`.
//! Here the kind of file is checked before opening it, opening cannot block, the opened file is
//! checked again (it may have been swapped in between), and no more than [`MAX_READ`] bytes are read.

use std::fs;
use std::io::{self, BufRead, Read};
use std::path::Path;

/// The most a spec or an existing output file may hold: 256 MiB. The largest real description
/// (the 3.1 MB module) is far below it, and the 100 MB stress spec in README.md generates (at a
/// peak of 1.9 GiB), so no real input is refused; a bigger file is almost surely not a spec (a
/// device, a log), and at the generator's ~19 bytes of memory per byte of spec it would need about
/// 5 GiB before the first diagnostic.
pub const MAX_READ: u64 = 256 << 20;

/// The most read of a first line when deciding whether a file is the generator's: the header holds
/// the spec path, escaped, so it is short; a file whose first 64 KiB hold no line break is not ours.
const MAX_FIRST_LINE: u64 = 64 << 10;

/// Whether a symbolic link at the path itself is followed: yes for `--spec` (the user named it),
/// no inside the output folder (a link there could lead anywhere).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Follow,
    Refuse,
}

/// The whole of the regular file at `path`, refusing anything else and anything over [`MAX_READ`].
pub fn read_regular(path: &Path, links: Links) -> io::Result<Vec<u8>> {
    let file = open_regular(path, links)?;
    let mut bytes = Vec::new();
    file.take(MAX_READ + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_READ {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The first line of the regular file at `path` (never following a link), without its line break;
/// `None` when the file is not a regular file, cannot be read, or has no line break early enough.
pub fn first_line(path: &Path) -> Option<String> {
    first_lines(path, 1)?.pop()
}

/// The first `n` lines of the regular file at `path` (never following a link), without their line
/// breaks; `None` as for [`first_line`], or when any of them is not UTF-8.
pub fn first_lines(path: &Path, n: usize) -> Option<Vec<String>> {
    let file = open_regular(path, Links::Refuse).ok()?;
    let mut reader = io::BufReader::new(file.take(MAX_FIRST_LINE.saturating_mul(n as u64)));
    (0..n)
        .map(|_| {
            let mut line = Vec::new();
            reader.read_until(b'\n', &mut line).ok()?;
            String::from_utf8(line.strip_suffix(b"\n")?.to_vec()).ok()
        })
        .collect()
}

/// Opens `path` for reading if it is a regular file no larger than [`MAX_READ`].
fn open_regular(path: &Path, links: Links) -> io::Result<fs::File> {
    let meta = match links {
        Links::Follow => fs::metadata(path)?,
        Links::Refuse => fs::symlink_metadata(path)?,
    };
    check_regular(&meta, links)?;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking, so a FIFO swapped in after the check above cannot hang `open`; without
        // following a link at the path itself when links are refused.
        let nofollow = if links == Links::Refuse { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    let file = options.open(path)?;
    check_regular(&file.metadata()?, links)?;
    Ok(file)
}

fn check_regular(meta: &fs::Metadata, links: Links) -> io::Result<()> {
    if meta.file_type().is_symlink() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "it is a symbolic link, and codegen reads nothing through links here"));
    }
    if !meta.is_file() {
        let what = if meta.is_dir() { "a directory" } else { "not a regular file (a FIFO, socket or device)" };
        let hint = match links {
            Links::Follow => "name the spec file itself",
            Links::Refuse => "move it out of the output folder",
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("it is {what}; {hint}")));
    }
    if meta.len() > MAX_READ {
        return Err(too_large());
    }
    Ok(())
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is larger than {} MiB, more than any OpenAPI description or generated file; is it the right file?", MAX_READ >> 20),
    )
}
