//! A unit's record as the store keeps it: a small purpose-built binary
//! encoding (about 70 bytes for a replicate of eleven organs, where its
//! JSON took about 900).
//!
//! The record's digest, replicate and event count are columns of
//! `cascade_units` of their own, so the encoding leaves them out. What
//! remains is written in the record's field order: whole numbers as
//! LEB128 varints (a count of 0 is one byte), days as their eight bytes
//! (little-endian bits, so every value and a NaN come back exactly),
//! text and lists with their length first, an absent value as a 0 byte
//! and a present one as a 1 byte before it. The first byte is the
//! encoding's version ([`VERSION`]).

use cascade_biology::observables::Funnel;

use crate::run::{CellCounts, ReplicateRecord, TherapyOutcome};
use crate::schema::{FUNNEL_COUNTERS, funnel_counts, funnel_of_counts};

/// The encoding's version, its first byte: a record of another version
/// is refused as damaged, not guessed at: 2 since a therapy outcome
/// holds the metastases detectable at surgery and the clinical relapse.
const VERSION: u8 = 2;

/// `record` encoded (without its digest, replicate and events).
pub(crate) fn encode(record: &ReplicateRecord) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(96));
    out.byte(VERSION);
    out.text(&record.stopped_by);
    out.real(record.end_day);
    for count in funnel_counts(&record.funnel) {
        out.varint(count);
    }
    out.counts(&record.metastases);
    out.counts(&record.macrometastases);
    out.varint(record.harvest_colonies.len() as u64);
    for colonies in &record.harvest_colonies {
        out.counts(colonies);
    }
    out.optional_real(record.first_detection_day);
    for count in record.cells.in_order() {
        out.varint(count);
    }
    out.varint(record.clones);
    match &record.therapy {
        None => out.byte(0),
        Some(t) => {
            out.byte(1);
            out.byte(u8::from(t.cured));
            out.optional_real(t.started_day);
            out.optional_real(t.relapse_day);
            match t.detectable_at_surgery {
                None => out.byte(0),
                Some(n) => {
                    out.byte(1);
                    out.varint(n);
                }
            }
            out.optional_real(t.relapse_after_clear_surgery_day);
            out.counts(&t.resistant_cells);
        }
    }
    for named in [&record.fates, &record.counters] {
        out.varint(named.len() as u64);
        for (name, count) in named {
            out.text(name);
            out.varint(*count);
        }
    }
    out.0
}

/// The record encoded in `bytes`, with its `digest`, `replicate` and
/// `events` (kept apart); `None` when the bytes are not an encoding of
/// this version (damaged).
pub(crate) fn decode(
    bytes: &[u8],
    digest: String,
    replicate: u64,
    events: u64,
) -> Option<ReplicateRecord> {
    let mut r = Reader(bytes);
    if r.byte()? != VERSION {
        return None;
    }
    let stopped_by = r.text()?;
    let end_day = r.real()?;
    let mut funnel = [0u64; FUNNEL_COUNTERS];
    for count in &mut funnel {
        *count = r.varint()?;
    }
    let funnel: Funnel = funnel_of_counts(funnel);
    let metastases = r.counts()?;
    let macrometastases = r.counts()?;
    let harvests = r.length()?;
    let harvest_colonies = (0..harvests)
        .map(|_| r.counts())
        .collect::<Option<Vec<_>>>()?;
    let first_detection_day = r.optional_real()?;
    let cells = CellCounts {
        primary: r.varint()?,
        metastatic: r.varint()?,
        solitary: r.varint()?,
        dormant: r.varint()?,
        arrested: r.varint()?,
        circulating: r.varint()?,
    };
    let clones = r.varint()?;
    let therapy = match r.byte()? {
        0 => None,
        1 => Some(TherapyOutcome {
            cured: match r.byte()? {
                0 => false,
                1 => true,
                _ => return None,
            },
            started_day: r.optional_real()?,
            relapse_day: r.optional_real()?,
            detectable_at_surgery: match r.byte()? {
                0 => None,
                1 => Some(r.varint()?),
                _ => return None,
            },
            relapse_after_clear_surgery_day: r.optional_real()?,
            resistant_cells: r.counts()?,
        }),
        _ => return None,
    };
    let fates = r.named()?;
    let counters = r.named()?;
    if !r.0.is_empty() {
        return None;
    }
    Some(ReplicateRecord {
        replicate,
        digest,
        events,
        stopped_by,
        end_day,
        funnel,
        metastases,
        macrometastases,
        harvest_colonies,
        first_detection_day,
        cells,
        clones,
        therapy,
        fates,
        counters,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, byte: u8) {
        self.0.push(byte);
    }

    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn real(&mut self, x: f64) {
        self.0.extend_from_slice(&x.to_bits().to_le_bytes());
    }

    fn optional_real(&mut self, x: Option<f64>) {
        match x {
            None => self.byte(0),
            Some(x) => {
                self.byte(1);
                self.real(x);
            }
        }
    }

    fn text(&mut self, text: &str) {
        self.varint(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    fn counts(&mut self, counts: &[u64]) {
        self.varint(counts.len() as u64);
        for &n in counts {
            self.varint(n);
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return None;
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// A length: a varint no longer than the bytes left (each element
    /// takes at least one byte), so a damaged length cannot ask for a
    /// huge allocation.
    fn length(&mut self) -> Option<usize> {
        let n = usize::try_from(self.varint()?).ok()?;
        (n <= self.0.len()).then_some(n)
    }

    fn real(&mut self) -> Option<f64> {
        let (bits, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(f64::from_bits(u64::from_le_bytes(*bits)))
    }

    fn optional_real(&mut self) -> Option<Option<f64>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(self.real()?)),
            _ => None,
        }
    }

    fn text(&mut self) -> Option<String> {
        let n = self.length()?;
        let (text, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8(text.to_vec()).ok()
    }

    fn counts(&mut self) -> Option<Vec<u64>> {
        let n = self.length()?;
        (0..n).map(|_| self.varint()).collect()
    }

    fn named(&mut self) -> Option<Vec<(String, u64)>> {
        let n = self.length()?;
        (0..n)
            .map(|_| Some((self.text()?, self.varint()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ReplicateRecord {
        let mut funnel = [0u64; FUNNEL_COUNTERS];
        for (k, count) in funnel.iter_mut().enumerate() {
            *count = (k as u64) << (2 * k);
        }
        ReplicateRecord {
            replicate: 7,
            digest: "00112233445566778899aabbccddeeff".into(),
            events: u64::MAX,
            stopped_by: "relapse".into(),
            end_day: -0.0,
            funnel: funnel_of_counts(funnel),
            metastases: vec![0, 1, u64::MAX],
            macrometastases: vec![0, 0, 3],
            harvest_colonies: vec![vec![], vec![1, 2, 3]],
            first_detection_day: Some(f64::NAN),
            cells: CellCounts {
                primary: 1,
                metastatic: 2,
                solitary: 3,
                dormant: 4,
                arrested: 5,
                circulating: 1 << 40,
            },
            clones: 12,
            therapy: Some(TherapyOutcome {
                cured: true,
                started_day: None,
                relapse_day: Some(f64::INFINITY),
                detectable_at_surgery: Some(u64::MAX),
                relapse_after_clear_surgery_day: Some(-1.5),
                resistant_cells: vec![9, 0],
            }),
            fates: vec![("killed by NK, ü".into(), 3)],
            counters: vec![("a".into(), 0), ("b".into(), 1 << 63)],
        }
    }

    /// Equal, NaNs equal by their bits.
    fn same(a: &ReplicateRecord, b: &ReplicateRecord) -> bool {
        format!("{a:?}") == format!("{b:?}")
            && a.end_day.to_bits() == b.end_day.to_bits()
            && a.first_detection_day.map(f64::to_bits) == b.first_detection_day.map(f64::to_bits)
    }

    #[test]
    fn every_field_comes_back_exactly() {
        let record = full();
        let bytes = encode(&record);
        let back = decode(&bytes, record.digest.clone(), 7, u64::MAX).unwrap();
        assert!(same(&back, &record), "{back:?}");
        let plain = ReplicateRecord {
            therapy: None,
            fates: vec![],
            counters: vec![],
            first_detection_day: None,
            ..full()
        };
        let back = decode(&encode(&plain), plain.digest.clone(), 7, u64::MAX).unwrap();
        assert!(same(&back, &plain), "{back:?}");
    }

    #[test]
    fn a_record_of_eleven_organs_takes_under_a_hundred_bytes() {
        let record = ReplicateRecord {
            events: 12_345,
            end_day: 50.0,
            first_detection_day: None,
            cells: CellCounts {
                primary: 120,
                ..CellCounts::default()
            },
            clones: 1,
            therapy: None,
            fates: vec![],
            counters: vec![],
            metastases: vec![0; 11],
            macrometastases: vec![0; 11],
            harvest_colonies: vec![],
            funnel: Funnel::default(),
            stopped_by: "stop_day".into(),
            ..full()
        };
        let bytes = encode(&record);
        assert!(bytes.len() < 100, "{} bytes", bytes.len());
    }

    #[test]
    fn damaged_bytes_are_refused_not_misread() {
        let bytes = encode(&full());
        let digest = String::new();
        // Cut short anywhere, or with a byte more: no record.
        for end in 0..bytes.len() {
            assert!(
                decode(&bytes[..end], digest.clone(), 0, 0).is_none(),
                "{end}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, digest.clone(), 0, 0).is_none());
        // Another version.
        let mut other = bytes.clone();
        other[0] = VERSION + 1;
        assert!(decode(&other, digest.clone(), 0, 0).is_none());
        // A length beyond the bytes left.
        let mut huge = vec![VERSION];
        huge.extend([0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(decode(&huge, digest, 0, 0).is_none());
    }
}
