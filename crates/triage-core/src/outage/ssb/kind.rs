//! What an SSB outage's `type` says about it (announced or not) and where its record lives.
//!
//! Real `type` values seen in MONIT's SSB data (CMSMonitoring alerts and screenshots, see
//! `testdata/ssb/PROVENANCE.txt`): `Planned Intervention`, `Service Change`; the SSB also
//! publishes incidents (`Service Incident`), and ServiceNow's outage table uses `planned`,
//! `outage` and `degradation`.
//!
//! The rule, case-insensitive on the trimmed text: anything naming `unplanned`, `unscheduled`
//! or `incident` is [`OutageKind::Unscheduled`]; otherwise anything naming `planned`,
//! `scheduled` or `change` (an announced service change) is [`OutageKind::Scheduled`];
//! everything else, including an empty or unknown type, is `Unscheduled`: an outage of
//! unknown nature groups alerts into one incident rather than silencing them.

use crate::outage::record::OutageKind;

/// The kind an SSB or ServiceNow outage `type` text stands for (see the module rule).
pub fn kind_from_type(kind: &str) -> OutageKind {
    let text = kind.trim().to_lowercase();
    if ["unplanned", "unscheduled", "incident"].iter().any(|w| text.contains(w)) {
        return OutageKind::Unscheduled;
    }
    if ["planned", "scheduled", "change"].iter().any(|w| text.contains(w)) {
        return OutageKind::Scheduled;
    }
    OutageKind::Unscheduled
}

/// The CERN Service Portal page of an SSB record, for numbers of the `OTG<digits>` form
/// (`https://cern.service-now.com/service-portal?id=outage&n=OTG0054345`); `None` otherwise.
pub fn ssb_portal_url(number: &str) -> Option<String> {
    let digits = number.strip_prefix("OTG")?;
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("https://cern.service-now.com/service-portal?id=outage&n={number}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_and_changes_are_scheduled() {
        for t in ["Planned Intervention", "planned", " Service Change ", "Scheduled downtime"] {
            assert_eq!(kind_from_type(t), OutageKind::Scheduled, "{t}");
        }
    }

    #[test]
    fn incidents_unplanned_and_unknown_are_unscheduled() {
        for t in [
            "Unplanned Intervention",
            "Service Incident",
            "Incident",
            "outage",
            "degradation",
            "",
            "Unscheduled change",
        ] {
            assert_eq!(kind_from_type(t), OutageKind::Unscheduled, "{t}");
        }
    }

    #[test]
    fn portal_url_only_for_otg_numbers() {
        assert_eq!(
            ssb_portal_url("OTG0054345").as_deref(),
            Some("https://cern.service-now.com/service-portal?id=outage&n=OTG0054345")
        );
        assert_eq!(ssb_portal_url("OTG"), None);
        assert_eq!(ssb_portal_url("OTG12&x=1"), None);
        assert_eq!(ssb_portal_url("INC123"), None);
    }
}
