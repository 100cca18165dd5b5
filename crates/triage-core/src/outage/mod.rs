//! Outage sources' records: GGUS tickets and GOCDB downtimes parsed from their exports.
