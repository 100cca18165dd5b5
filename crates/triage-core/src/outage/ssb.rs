//! CERN Service Status Board (SSB) outages, as MONIT serves them and as ServiceNow holds them.
//!
//! MONIT keeps the SSB in an InfluxDB 1.x measurement `outages` (database
//! `monit_production_ssb_otgs`), one point per outage record with fields `begin` and `end`
//! (milliseconds since the epoch; `end` absent for an open-ended outage), `ssbNumber`
//! (`OTG0054345`), `shortDescription`, `feName` (functional element), `seName` (service
//! element), `type` (`Planned Intervention`, `Service Change`, `Service Incident`, ...) and
//! bookkeeping fields (`description`, `monitState`, `sysModCount`, `updateTimestamp`, ...).
//!
//! - [`influx_response`] reads an InfluxQL query answer into [`SsbOutage`] rows and those into
//!   [`Outage`](super::record::Outage)s;
//! - [`query`] builds the InfluxQL text for a time window, quoting what it interpolates;
//! - [`servicenow`] reads ServiceNow's REST table API answer for outage records.
//!
//! Nothing here does I/O; the fetching lives in the `triage` crate (`ssb_source`).

pub mod influx_response;
pub mod kind;
pub mod query;
pub mod servicenow;

pub use influx_response::{ParseLimits, SsbError, SsbOutage, parse_influx_outages, ssb_outages_to_records};
pub use kind::{kind_from_type, ssb_portal_url};
pub use query::{SsbWindow, quote_identifier, quote_string, window_query};
pub use servicenow::{ServiceNowError, parse_servicenow_outages, servicenow_query};
