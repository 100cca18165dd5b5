//! GGUS ticket priority → alert severity, by whole phrase: `less urgent` is not `urgent`.
//!
//! The mapping follows the CMS intelligence module's GGUS configuration (less urgent → medium,
//! urgent → high, very urgent → urgent) and adds `top priority` → critical, GGUS's level above
//! very urgent. Anything else is [`TicketSeverity::Unknown`].

/// The severity a ticket's priority stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TicketSeverity {
    /// A priority that is none of GGUS's four.
    Unknown,
    /// `less urgent`.
    Medium,
    /// `urgent`.
    High,
    /// `very urgent`.
    Urgent,
    /// `top priority`.
    Critical,
}

impl TicketSeverity {
    /// Lowercase name, as a `severity` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketSeverity::Unknown => "unknown",
            TicketSeverity::Medium => "medium",
            TicketSeverity::High => "high",
            TicketSeverity::Urgent => "urgent",
            TicketSeverity::Critical => "critical",
        }
    }
}

/// The severity of a GGUS priority. The whole phrase must match, ignoring ASCII case and
/// runs of blanks: `Very  Urgent` is urgent, `not urgent` or `urgent!` is unknown.
pub fn severity_of_priority(priority: &str) -> TicketSeverity {
    let words: Vec<&str> = priority.split_whitespace().collect();
    let phrase = words.join(" ").to_ascii_lowercase();
    match phrase.as_str() {
        "less urgent" => TicketSeverity::Medium,
        "urgent" => TicketSeverity::High,
        "very urgent" => TicketSeverity::Urgent,
        "top priority" => TicketSeverity::Critical,
        _ => TicketSeverity::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_phrases_map_and_substrings_do_not() {
        assert_eq!(severity_of_priority("less urgent"), TicketSeverity::Medium);
        assert_eq!(severity_of_priority("urgent"), TicketSeverity::High);
        assert_eq!(severity_of_priority(" Very  URGENT "), TicketSeverity::Urgent);
        assert_eq!(severity_of_priority("top priority"), TicketSeverity::Critical);
        for other in ["", "not urgent", "urgent!", "less", "top", "very urgent please", "1 low"] {
            assert_eq!(severity_of_priority(other), TicketSeverity::Unknown, "{other:?}");
        }
    }

    #[test]
    fn severities_order_by_urgency() {
        assert!(TicketSeverity::Medium < TicketSeverity::High);
        assert!(TicketSeverity::Urgent < TicketSeverity::Critical);
    }
}
