//! The record splitter and decoder on arbitrary peer bytes, fed in arbitrary cuts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsviz::engine::events::Direction;
use tlsviz::engine::records::{describe, split_handshake_messages, RecordSplitter};

fuzz_target!(|data: &[u8]| {
    let Some((&cut, bytes)) = data.split_first() else { return };
    let cut = usize::from(cut).max(1);
    let mut splitter = RecordSplitter::new();
    for chunk in bytes.chunks(cut) {
        splitter.push(chunk);
        while let Ok(Some(record)) = splitter.next_record() {
            let _ = describe(Direction::In, &record, false);
            let _ = split_handshake_messages(&record);
        }
    }
});
