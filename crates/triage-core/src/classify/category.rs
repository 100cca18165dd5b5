//! The categories every alert and ticket is sorted into, and how GGUS issue types map onto them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an alert or ticket is about.
///
/// The set is fixed: GGUS issue types are mapped onto it ([`Category::from_ggus_issue_type`])
/// rather than added to it, so that alerts and tickets share one vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Storage systems and file access: dCache, EOS, disks, filesystems, tape.
    Storage,
    /// Network connectivity, DNS, links, proxies and load balancers.
    Network,
    /// File transfers and data management: FTS, Rucio, PhEDEx, ASO, xrootd transfers.
    DataTransfer,
    /// Authentication and authorisation: certificates, VOMS, Kerberos, tokens, IAM.
    Authentication,
    /// Workload management: CRAB, WMAgent, glideinWMS, job submission, production workflows.
    WorkloadManagement,
    /// Databases: Oracle, PostgreSQL, MySQL, Elasticsearch, Frontier.
    Database,
    /// Compute and batch: HTCondor, CEs' batch systems, worker nodes, CPU and memory.
    Compute,
    /// Whether a site works as a whole: SAM and HammerCloud tests, site readiness, downtimes.
    SiteAvailability,
    /// A service or process is down or unreachable.
    ServiceDown,
    /// The monitoring itself: Prometheus, exporters, scrapes, dashboards.
    Monitoring,
    /// Anything else, and whatever the model is not confident about.
    Other,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 11] = [
        Category::Storage,
        Category::Network,
        Category::DataTransfer,
        Category::Authentication,
        Category::WorkloadManagement,
        Category::Database,
        Category::Compute,
        Category::SiteAvailability,
        Category::ServiceDown,
        Category::Monitoring,
        Category::Other,
    ];

    /// The snake_case name used in CSV files, model files and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Storage => "storage",
            Category::Network => "network",
            Category::DataTransfer => "data_transfer",
            Category::Authentication => "authentication",
            Category::WorkloadManagement => "workload_management",
            Category::Database => "database",
            Category::Compute => "compute",
            Category::SiteAvailability => "site_availability",
            Category::ServiceDown => "service_down",
            Category::Monitoring => "monitoring",
            Category::Other => "other",
        }
    }

    /// The category of a GGUS ticket's issue type (USER, TEAM/ALARM, CMS and ATLAS types),
    /// compared case-insensitively; `None` for a type not in the table.
    pub fn from_ggus_issue_type(issue_type: &str) -> Option<Category> {
        let wanted = issue_type.trim();
        GGUS_ISSUE_TYPES.iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)).map(|(_, c)| *c)
    }
}

/// GGUS issue types and the category each maps to (reviewed by hand against the official
/// descriptions of the types).
pub const GGUS_ISSUE_TYPES: &[(&str, Category)] = &[
    ("Accounting", Category::Monitoring),
    ("AppDB", Category::Other),
    ("Authorization/Authentication", Category::Authentication),
    ("COD Operations", Category::Other),
    ("Catalogue", Category::DataTransfer),
    ("Computing Services", Category::Compute),
    ("Configuration", Category::Other),
    ("Data Management - generic", Category::DataTransfer),
    ("Databases", Category::Database),
    ("Deployment - other", Category::Other),
    ("Documentation", Category::Other),
    ("File Access", Category::Storage),
    ("File Transfer", Category::DataTransfer),
    ("GGUS", Category::Other),
    ("IaaS Operations", Category::Compute),
    ("Information System", Category::ServiceDown),
    ("Installation", Category::Other),
    ("Local Batch System", Category::Compute),
    ("Middleware", Category::Other),
    ("Monitoring", Category::Monitoring),
    ("Network problem", Category::Network),
    ("Operations", Category::Other),
    ("Other", Category::Other),
    ("Security", Category::Authentication),
    ("Storage Systems", Category::Storage),
    ("VO Specific Software", Category::Other),
    ("Virtual Appliance Management", Category::Compute),
    ("Workload Management", Category::WorkloadManagement),
    ("CMS_AAA WAN Access", Category::DataTransfer),
    ("CMS_CAF Operations", Category::Storage),
    ("CMS_Central Workflows", Category::WorkloadManagement),
    ("CMS_Data Transfers", Category::DataTransfer),
    ("CMS_Facilities", Category::SiteAvailability),
    ("CMS_HammerCloud", Category::SiteAvailability),
    ("CMS_Register New CMS Site", Category::Other),
    ("CMS_SAM tests", Category::SiteAvailability),
    ("CMS_Submission Infrastructure", Category::WorkloadManagement),
    ("CMS_Tier-1 Tape Families", Category::Storage),
    ("ATLAS_ADC Central", Category::Other),
    ("ATLAS_Databases", Category::Database),
    ("ATLAS_Deletion", Category::DataTransfer),
    ("ATLAS_File Access/Transfer", Category::DataTransfer),
    ("ATLAS_Frontier-Squid", Category::Database),
    ("ATLAS_Local Batch System", Category::Compute),
    ("ATLAS_Middleware", Category::Other),
    ("ATLAS_Monitoring", Category::Monitoring),
    ("ATLAS_Network Problem", Category::Network),
    ("ATLAS_Staging", Category::DataTransfer),
    ("ATLAS_Storage Systems", Category::Storage),
];

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A name that is not a category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown category {0:?} (expected one of: storage, network, data_transfer, authentication, workload_management, database, compute, site_availability, service_down, monitoring, other)"
)]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;

    /// Parses a category name, case-insensitively, accepting `-` or space for `_`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalised: String =
            s.trim().chars().map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() }).collect();
        Category::ALL.into_iter().find(|c| c.as_str() == normalised).ok_or_else(|| UnknownCategory(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        }
        assert_eq!("Data-Transfer".parse::<Category>(), Ok(Category::DataTransfer));
        assert!("disk".parse::<Category>().is_err());
    }

    #[test]
    fn ggus_types_map() {
        assert_eq!(Category::from_ggus_issue_type("file transfer"), Some(Category::DataTransfer));
        assert_eq!(Category::from_ggus_issue_type("CMS_SAM tests"), Some(Category::SiteAvailability));
        assert_eq!(Category::from_ggus_issue_type("nope"), None);
    }
}
