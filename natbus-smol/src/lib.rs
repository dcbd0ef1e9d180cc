//! natbus over smol (also runs under async-std).
