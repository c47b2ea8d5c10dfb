//! Integration tests of demo data generation: the files are read back with the `csv` crate and
//! checked against the data format's rules independently of how the generator works.

mod counts;
mod determinism;
mod integrity;
mod realism;
mod support;
