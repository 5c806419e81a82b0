//! sitedial answers FreeSWITCH's `mod_xml_curl` requests for the `directory` and `dialplan` sections
//! from an in-memory model of hosted-PBX tenants, and gives administrators a REST API over them.
//!
//! One FreeSWITCH request runs in a straight line through a few modules:
//! [`freeswitch::form`] parses the POSTed form, [`freeswitch::classify`] says what FreeSWITCH asks,
//! [`model`] hands over the cached tenant or enterprise, [`routing`] decides (a plain value), and
//! [`freeswitch::render`] writes the XML. [`store`] (sqlx over SQLite or PostgreSQL) feeds the model
//! from the side; [`admin`] changes the store and refreshes the model; [`app`] wires configuration,
//! telemetry, listeners and the command line.

pub mod admin;
pub mod app;
pub mod domain;
pub mod freeswitch;
pub mod model;
pub mod routing;
pub mod store;
