//! Outage sources' records (GGUS tickets, GOCDB downtimes, SSB/ServiceNow outages parsed from
//! their exports), maintenance windows, and which outage covers an alert.
//!
//! Every parser here takes the bytes of one document and returns records or an error that
//! names the line and the record; none does I/O, and hostile input ends in an error, never in
//! a panic or unbounded memory.

pub mod book;
pub mod convert;
pub mod correlate;
pub mod ggus;
pub mod gocdb;
pub mod maintenance;
pub mod record;
pub mod ssb;
pub mod tracker;
pub mod xml_records;
