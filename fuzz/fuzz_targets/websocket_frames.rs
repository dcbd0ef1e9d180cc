#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natbus_proto::fuzzing::websocket_frames(data));
