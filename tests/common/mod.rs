//! Helpers shared by the admin API tests: an isolated store per test and a running admin server.

#![allow(dead_code)]

pub mod app;
pub mod db;
