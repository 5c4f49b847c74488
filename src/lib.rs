//! sitegen: a static-site generator whose output is never half-written.
//!
//! Data flows one way: config -> content -> render -> output -> cache. This crate so far
//! contains the output layer ([`output`]), through which every byte of output is written.

pub mod cli;
pub mod output;
