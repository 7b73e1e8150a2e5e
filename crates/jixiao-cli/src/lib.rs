//! The `jixiao` command line's library half: the local web workbench (`jixiao serve`),
//! kept as a library so the integration tests can start it in-process.

#[cfg(feature = "serve")]
pub mod serve;
