//! Incidents: alerts correlated by shared topology labels within a time window (and by
//! learned co-occurrence), notified once when an incident opens and then only on a change
//! that matters: a new kind of alert, a higher severity, a reminder, its resolution.

pub mod book;
pub mod policy;
pub mod record;

pub use book::{INCIDENT_LABEL, IncidentBook, kind_of};
pub use policy::IncidentPolicy;
pub use record::{Change, Incident, IncidentAlert};
