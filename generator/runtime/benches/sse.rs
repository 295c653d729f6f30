//! SSE decoding: a large recorded stream → typed events, with this crate's decoder and with
//! `eventsource-stream` (+ serde_json), on the same bytes in the same run.
//!
//! `cargo bench -p oagen-rt --bench sse`. The bytes are cut into 1,400-byte chunks (a typical
//! TCP segment), so both decoders see events split across chunks.

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use oagen_rt::sse::SseDecoder;
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)] // fields are decoded, not read: decoding is what is measured
struct Delta {
    r#type: String,
    run_id: String,
    index: u64,
    text: String,
    done: bool,
}

/// `count` events as an agent API sends them: id, event name, one JSON data line.
fn recorded(count: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..count {
        out.push_str(&format!(
            "id: {i}\nevent: TEXT_DELTA\ndata: {{\"type\":\"TEXT_DELTA\",\"run_id\":\"run_0123456789\",\"index\":{i},\"text\":\"The quick brown fox jumps over the lazy dog, token {i}\",\"done\":false}}\n\n"
        ));
        if i % 50 == 0 {
            out.push_str(": keep-alive\n\n");
        }
    }
    out.into_bytes()
}

fn chunks(bytes: &[u8]) -> Vec<Bytes> {
    bytes.chunks(1400).map(Bytes::copy_from_slice).collect()
}

fn ours(chunks: &[Bytes]) -> usize {
    let mut decoder = SseDecoder::new();
    let mut n = 0;
    for chunk in chunks {
        decoder.push(chunk);
        while let Some(event) = decoder.next_event() {
            if serde_json::from_str::<Delta>(&event.data).is_ok() {
                n += 1;
            }
        }
    }
    n
}

fn theirs(chunks: &[Bytes]) -> usize {
    use eventsource_stream::Eventsource;
    let stream = futures::stream::iter(
        chunks
            .iter()
            .cloned()
            .map(Ok::<_, std::convert::Infallible>),
    );
    futures::executor::block_on(async move {
        let mut events = stream.eventsource();
        let mut n = 0;
        while let Some(Ok(event)) = events.next().await {
            if serde_json::from_str::<Delta>(&event.data).is_ok() {
                n += 1;
            }
        }
        n
    })
}

fn bench(c: &mut Criterion) {
    let count = 20_000;
    let bytes = recorded(count);
    let chunks = chunks(&bytes);
    assert_eq!(ours(&chunks), count);
    assert_eq!(theirs(&chunks), count);
    let mut group = c.benchmark_group("sse_decode_typed");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_with_input(BenchmarkId::new("oagen-rt", count), &chunks, |b, c| {
        b.iter(|| ours(c))
    });
    group.bench_with_input(
        BenchmarkId::new("eventsource-stream", count),
        &chunks,
        |b, c| b.iter(|| theirs(c)),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
