//! Unit tests of the outbox batch builder's keys, ids and packing.

use super::*;

#[test]
fn a_chunk_key_reads_back_and_nothing_else_does() {
    assert_eq!(
        parse_chunk_key(&chunk_key(42, 20_250_131)),
        Some((42, 20_250_131))
    );
    assert_eq!(parse_chunk_key(&chunk_key(-1, 0)), Some((-1, 0)));
    for bad in ["", "42", "42/", "/20250131", "a/b", "42/2025-01-31"] {
        assert_eq!(parse_chunk_key(bad), None, "{bad:?}");
    }
}

#[test]
fn a_rows_progress_is_none_before_its_first_part() {
    assert_eq!(row_progress((i64::MIN, i64::MIN)), None);
    assert_eq!(row_progress((7, 20_240_101)).as_deref(), Some("7/20240101"));
}

// The same part of the same row always gets the same id (a resend is recognised as a
// duplicate); another row, another start or a further end is new content.
#[test]
fn a_parts_id_is_its_row_and_bounds() {
    let first = (i64::MIN, i64::MIN);
    let id = part_id("op-1", first, (3, 20_240_101));
    assert_eq!(id, part_id("op-1", first, (3, 20_240_101)));
    assert_ne!(id, part_id("op-2", first, (3, 20_240_101)));
    assert_ne!(id, part_id("op-1", (1, 20_230_101), (3, 20_240_101)));
    assert_ne!(id, part_id("op-1", first, (3, 20_240_102)));
    assert_eq!(id.get_version_num(), 8);
}

#[test]
fn gzip_packs_what_inflates_back() {
    let body = br#"{"items":[]}"#.repeat(100);
    let packed = gzip(&body, 6).expect("gzip");
    assert!(packed.len() < body.len());
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&packed[..]),
        &mut unpacked,
    )
    .expect("gunzip");
    assert_eq!(unpacked, body);
}
