//! The fixed-size record each replica writes per fired timer, and reading them back.

use anyhow::Context;
use std::io::{BufReader, Read, Write};
use std::path::Path;

/// One fired timer as a replica saw it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record {
    pub(crate) index: u32,
    pub(crate) due_at: i64,
    pub(crate) claim_late_us: i64,
    pub(crate) delivered_late_us: i64,
}

pub(crate) const RECORD_BYTES: usize = 4 + 8 + 8 + 8;

impl Record {
    pub(crate) fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(&self.index.to_le_bytes())?;
        w.write_all(&self.due_at.to_le_bytes())?;
        w.write_all(&self.claim_late_us.to_le_bytes())?;
        w.write_all(&self.delivered_late_us.to_le_bytes())
    }

    pub(crate) fn read(buf: &[u8; RECORD_BYTES]) -> Record {
        let mut i = [0u8; 4];
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        let mut c = [0u8; 8];
        i.copy_from_slice(&buf[0..4]);
        a.copy_from_slice(&buf[4..12]);
        b.copy_from_slice(&buf[12..20]);
        c.copy_from_slice(&buf[20..28]);
        Record {
            index: u32::from_le_bytes(i),
            due_at: i64::from_le_bytes(a),
            claim_late_us: i64::from_le_bytes(b),
            delivered_late_us: i64::from_le_bytes(c),
        }
    }
}

pub(crate) fn read_records(path: &Path) -> anyhow::Result<Vec<Record>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let len = usize::try_from(file.metadata()?.len())?;
    let mut r = BufReader::new(file);
    let mut out = Vec::with_capacity(len / RECORD_BYTES);
    let mut buf = [0u8; RECORD_BYTES];
    for _ in 0..len / RECORD_BYTES {
        r.read_exact(&mut buf)?;
        out.push(Record::read(&buf));
    }
    Ok(out)
}
