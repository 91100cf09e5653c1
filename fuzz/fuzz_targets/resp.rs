//! The RESP reply parser on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((reply, used))) = tlsviz::engine::resp::parse(data) {
        assert!(used <= data.len());
        let _ = reply.display();
    }
});
