//! Tests of the event-stream decoder and encoder: one per rule of the spec, then properties.

use super::*;
use proptest::prelude::*;

fn decode(bytes: &[u8]) -> Vec<RawEvent> {
    SseDecoder::decode_all(bytes)
}

fn data(bytes: &[u8]) -> Vec<String> {
    decode(bytes).into_iter().map(|e| e.data).collect()
}

fn event(id: Option<&str>, event: Option<&str>, data: &str) -> RawEvent {
    RawEvent {
        id: id.map(str::to_owned),
        event: event.map(str::to_owned),
        data: data.to_owned(),
        retry: None,
    }
}

#[test]
fn lf_cr_and_crlf_all_end_lines() {
    assert_eq!(data(b"data: a\n\n"), ["a"]);
    assert_eq!(data(b"data: a\r\r"), ["a"]);
    assert_eq!(data(b"data: a\r\n\r\n"), ["a"]);
    assert_eq!(data(b"data: a\rdata: b\ndata: c\r\n\n"), ["a\nb\nc"]);
}

#[test]
fn crlf_split_across_chunks_is_one_line_end() {
    let mut decoder = SseDecoder::new();
    decoder.push(b"data: a\r");
    decoder.push(b"");
    decoder.push(b"\ndata: b\r");
    decoder.push(b"\n\r");
    decoder.push(b"\n");
    decoder.finish();
    // Had the split LF counted as a second line end, "a" would have been dispatched alone.
    assert_eq!(
        decoder.events().map(|e| e.data).collect::<Vec<_>>(),
        ["a\nb"]
    );
}

#[test]
fn cr_then_cr_is_two_line_ends() {
    assert_eq!(data(b"data: a\r\rdata: b\r\r"), ["a", "b"]);
}

#[test]
fn bom_at_stream_start_is_skipped() {
    assert_eq!(data(b"\xEF\xBB\xBFdata: a\n\n"), ["a"]);
    // Split inside the BOM.
    let mut decoder = SseDecoder::new();
    decoder.push(b"\xEF");
    decoder.push(b"\xBB");
    decoder.push(b"\xBFdata: a\n\n");
    assert_eq!(decoder.next_event().map(|e| e.data).as_deref(), Some("a"));
}

#[test]
fn bom_is_only_skipped_at_the_start() {
    // A BOM later makes the field name unknown, so the line is ignored.
    assert_eq!(data(b"data: a\n\xEF\xBB\xBFdata: b\n\n"), ["a"]);
    // A stream too short to hold a BOM still decodes.
    assert_eq!(data(b":"), Vec::<String>::new());
}

#[test]
fn comments_are_ignored() {
    assert_eq!(
        data(b": keep-alive\n\n:\n\ndata: a\n: inside\ndata: b\n\n"),
        ["a\nb"]
    );
}

#[test]
fn one_leading_space_is_stripped() {
    assert_eq!(data(b"data:a\n\n"), ["a"]);
    assert_eq!(data(b"data: a\n\n"), ["a"]);
    assert_eq!(data(b"data:  a \n\n"), [" a "]);
    assert_eq!(data(b"data: a: b\n\n"), ["a: b"]);
}

#[test]
fn field_without_colon_has_empty_value() {
    assert_eq!(data(b"data\n\n"), [""]);
    assert_eq!(data(b"data\ndata\n\n"), ["\n"]);
    let events = decode(b"id: 1\ndata: a\n\nid\ndata: b\n\n");
    assert_eq!(events[1].id, None, "a bare `id` resets the last event id");
}

#[test]
fn data_lines_join_with_lf() {
    assert_eq!(
        data(b"data: {\ndata: \"a\": 1\ndata: }\n\n"),
        ["{\n\"a\": 1\n}"]
    );
}

#[test]
fn blank_line_dispatches() {
    let mut decoder = SseDecoder::new();
    decoder.push(b"data: a\n");
    assert_eq!(decoder.next_event(), None);
    decoder.push(b"\n");
    assert_eq!(decoder.next_event(), Some(event(None, None, "a")));
}

#[test]
fn event_without_data_is_not_dispatched_but_its_id_counts() {
    let events = decode(b"event: ping\nid: 5\n\ndata: a\n\n");
    assert_eq!(events, [event(Some("5"), None, "a")]);
    let mut decoder = SseDecoder::new();
    decoder.push(b"id: 9\n\n");
    assert_eq!(decoder.next_event(), None);
    assert_eq!(decoder.last_event_id(), Some("9"));
}

#[test]
fn id_with_nul_is_ignored() {
    let events = decode(b"id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n");
    assert_eq!(events[1].id.as_deref(), Some("1"));
}

#[test]
fn retry_needs_all_digits() {
    let events = decode(b"retry: 250\ndata: a\n\nretry: 1s\ndata: b\n\nretry:\ndata: c\n\n");
    assert_eq!(events[0].retry, Some(250));
    assert_eq!(events[1].retry, None);
    assert_eq!(events[2].retry, None);
    let mut decoder = SseDecoder::new();
    decoder.push(b"retry: -5\n\nretry: 99999999999999999999999\n\nretry: 7\n\nretry: x\n\n");
    assert_eq!(decoder.retry(), Some(Duration::from_millis(7)));
}

#[test]
fn unknown_fields_are_ignored() {
    assert_eq!(
        decode(b"foo: bar\nDATA: x\ndata: a\nevent\n\n"),
        [event(None, None, "a")]
    );
}

#[test]
fn last_event_id_persists_across_events() {
    let events = decode(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid:\ndata: d\n\n");
    let ids: Vec<_> = events.iter().map(|e| e.id.as_deref()).collect();
    assert_eq!(ids, [Some("1"), Some("1"), Some("2"), None]);
}

#[test]
fn event_type_does_not_persist() {
    let events = decode(b"event: a\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n");
    let types: Vec<_> = events.iter().map(|e| e.event.as_deref()).collect();
    assert_eq!(types, [Some("a"), None, None]);
}

#[test]
fn incomplete_trailing_event_is_discarded() {
    assert_eq!(data(b"data: a\n\ndata: b\n"), ["a"]);
    assert_eq!(data(b"data: a\n\ndata: b"), ["a"]);
}

#[test]
fn cut_event_does_not_move_the_last_event_id() {
    let mut decoder = SseDecoder::new();
    decoder.push(b"id: 1\ndata: a\n\nid: 2\ndata: b\n");
    assert_eq!(decoder.last_event_id(), Some("1"));
    decoder.finish();
    // The next connection resumes after 1, so event 2 is sent again and read whole.
    decoder.push(b"\xEF\xBB\xBFdata: b\n\n");
    let events: Vec<_> = decoder.events().collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1], event(Some("1"), None, "b"));
}

#[test]
fn finish_keeps_the_lf_of_a_split_crlf_from_leaking() {
    let mut decoder = SseDecoder::new();
    decoder.push(b"data: a\r");
    decoder.finish();
    decoder.push(b"\ndata: b\n\n");
    // A new connection starts fresh: its leading LF is a blank line, not part of a CRLF.
    assert_eq!(decoder.events().map(|e| e.data).collect::<Vec<_>>(), ["b"]);
}

#[test]
fn invalid_utf8_is_decoded_lossily() {
    assert_eq!(data(b"data: a\xFFb\n\n"), ["a\u{FFFD}b"]);
}

#[test]
fn multibyte_character_split_across_chunks() {
    let bytes = "data: h\u{e9}llo \u{1F600}\n\n".as_bytes();
    for split in 0..bytes.len() {
        let mut decoder = SseDecoder::new();
        decoder.push(&bytes[..split]);
        decoder.push(&bytes[split..]);
        assert_eq!(
            decoder.next_event().map(|e| e.data).as_deref(),
            Some("h\u{e9}llo \u{1F600}"),
            "split at {split}"
        );
    }
}

#[test]
fn write_event_round_trips() {
    let mut out = String::new();
    write_event(
        &mut out,
        Some("a\nb"),
        Some("up\rdate"),
        Some(Duration::from_secs(2)),
        "x\r\ny\rz\n",
    );
    assert_eq!(
        out,
        "id: ab\nevent: update\nretry: 2000\ndata: x\ndata: y\ndata: z\ndata: \n\n"
    );
    let back = decode(out.as_bytes());
    assert_eq!(
        back,
        [RawEvent {
            id: Some("ab".into()),
            event: Some("update".into()),
            data: "x\ny\nz\n".into(),
            retry: Some(2000),
        }]
    );
}

#[test]
fn write_event_keeps_leading_spaces_and_empty_data() {
    let mut out = String::new();
    write_event(&mut out, None, None, None, "  two spaces");
    write_event(&mut out, None, None, None, "");
    assert_eq!(data(out.as_bytes()), ["  two spaces", ""]);
}

/// A line of the wire format, in any of its spellings.
fn arb_line() -> impl Strategy<Value = Vec<u8>> {
    let value = proptest::collection::vec(
        prop_oneof![
            Just(b'a'),
            Just(b' '),
            Just(b':'),
            Just(b'0'),
            Just(0u8),
            Just(0xFFu8),
            Just(0xC3u8),
            Just(0xA9u8),
        ],
        0..6,
    );
    let name = prop_oneof![
        Just(&b"data"[..]),
        Just(&b"id"[..]),
        Just(&b"event"[..]),
        Just(&b"retry"[..]),
        Just(&b""[..]),
        Just(&b"x"[..]),
    ];
    let end = prop_oneof![Just(&b"\n"[..]), Just(&b"\r"[..]), Just(&b"\r\n"[..])];
    (name, prop::bool::ANY, value, end).prop_map(|(name, colon, value, end)| {
        let mut line = name.to_vec();
        if colon {
            line.push(b':');
        }
        line.extend(value);
        line.extend_from_slice(end);
        line
    })
}

fn arb_stream() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::bool::ANY,
        proptest::collection::vec(arb_line(), 0..40),
    )
        .prop_map(|(bom, lines)| {
            let mut bytes = if bom { BOM.to_vec() } else { Vec::new() };
            bytes.extend(lines.concat());
            bytes
        })
}

proptest! {
    #[test]
    fn chunking_does_not_change_events(
        bytes in arb_stream(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = decode(&bytes);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut decoder = SseDecoder::new();
        let mut start = 0;
        for point in points {
            decoder.push(&bytes[start..point]);
            start = point;
        }
        decoder.push(&bytes[start..]);
        decoder.finish();
        let chunked: Vec<_> = decoder.events().collect();
        prop_assert_eq!(whole, chunked);
    }

    #[test]
    fn byte_at_a_time_matches_whole(bytes in arb_stream()) {
        let mut decoder = SseDecoder::new();
        for byte in &bytes {
            decoder.push(std::slice::from_ref(byte));
        }
        decoder.finish();
        prop_assert_eq!(decode(&bytes), decoder.events().collect::<Vec<_>>());
    }

    #[test]
    fn written_data_reads_back(text in "[a-z \n\u{e9}]{0,30}", id in "[a-z0-9]{1,5}") {
        let mut out = String::new();
        write_event(&mut out, Some(&id), None, None, &text);
        let back = decode(out.as_bytes());
        prop_assert_eq!(back.len(), 1);
        prop_assert_eq!(&back[0].data, &text);
        prop_assert_eq!(back[0].id.as_deref(), Some(id.as_str()));
    }
}
