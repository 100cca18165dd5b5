//! GGUS tickets (the WLCG/EGI helpdesk): the [`GgusTicket`] record, the formats it comes in,
//! and [`parse_ggus`], which checks the input's size and encoding, picks the format and hands
//! over to the XML, CSV or JSON reader.
//!
//! Decisions:
//! - **Encoding:** input must be UTF-8 (a leading BOM is skipped). Other bytes are a lossless
//!   error naming the line and byte offset, not a lossy conversion: ticket subjects end up in
//!   alerts and silences, and silently replaced characters would make them differ from GGUS.
//! - **Columns:** the XML and CSV exports must carry the export's ten fields
//!   ([`GgusField::ALL`]); a missing one is an error naming it. The JSON API form only needs a
//!   ticket id (see `json.rs`).
//! - **Size:** [`GgusLimits`] caps the input bytes and the number of tickets.

mod csv;
mod json;
pub mod priority;
pub mod series;
mod xml;

use serde::{Deserialize, Serialize};

use crate::outage::xml_records::XmlRecordError;

/// One GGUS ticket, every field a string exactly as the export has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GgusTicket {
    /// `Ticket-ID`, e.g. `145685`.
    #[serde(rename = "TicketID")]
    pub ticket_id: String,
    /// `Type`: `USER` or `TEAM` (or `ALARM`).
    #[serde(rename = "Type")]
    pub ticket_type: String,
    /// `VO`: the affected virtual organisation, e.g. `cms`, `none`.
    #[serde(rename = "VO")]
    pub vo: String,
    /// `Site`: the affected GOCDB site name, often empty.
    #[serde(rename = "Site")]
    pub site: String,
    /// `Priority`: `less urgent`, `urgent`, `very urgent`, `top priority`.
    #[serde(rename = "Priority")]
    pub priority: String,
    /// `Responsible_Unit`: the support unit handling the ticket.
    #[serde(rename = "ResponsibleUnit")]
    pub responsible_unit: String,
    /// `Status`, e.g. `assigned`, `in progress`, `solved`.
    #[serde(rename = "Status")]
    pub status: String,
    /// `Last_Update`, e.g. `2020-02-21 16:02:00` (kept as text: the export gives no zone).
    #[serde(rename = "LastUpdate")]
    pub last_update: String,
    /// `Subject`: the ticket's title.
    #[serde(rename = "Subject")]
    pub subject: String,
    /// `Scope`: `EGI` or `WLCG`.
    #[serde(rename = "Scope")]
    pub scope: String,
}

/// The ten fields of a GGUS export, in the export's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GgusField {
    /// `Ticket-ID`.
    TicketId,
    /// `Type`.
    Type,
    /// `VO`.
    Vo,
    /// `Site`.
    Site,
    /// `Priority`.
    Priority,
    /// `Responsible_Unit`.
    ResponsibleUnit,
    /// `Status`.
    Status,
    /// `Last_Update`.
    LastUpdate,
    /// `Subject`.
    Subject,
    /// `Scope`.
    Scope,
}

impl GgusField {
    /// Every field, in export order.
    pub const ALL: [GgusField; 10] = [
        GgusField::TicketId,
        GgusField::Type,
        GgusField::Vo,
        GgusField::Site,
        GgusField::Priority,
        GgusField::ResponsibleUnit,
        GgusField::Status,
        GgusField::LastUpdate,
        GgusField::Subject,
        GgusField::Scope,
    ];

    /// The column name in the export, e.g. `Responsible_Unit`.
    pub fn export_name(self) -> &'static str {
        match self {
            GgusField::TicketId => "Ticket-ID",
            GgusField::Type => "Type",
            GgusField::Vo => "VO",
            GgusField::Site => "Site",
            GgusField::Priority => "Priority",
            GgusField::ResponsibleUnit => "Responsible_Unit",
            GgusField::Status => "Status",
            GgusField::LastUpdate => "Last_Update",
            GgusField::Subject => "Subject",
            GgusField::Scope => "Scope",
        }
    }

    /// The field a column is named after: the export name, or a variant of it that differs
    /// only in case, `-`, `_` or spaces (`Ticket-ID`, `ticket_id`, `TicketID`, `ticketId`).
    pub fn from_column_name(name: &str) -> Option<GgusField> {
        let key = normalized_key(name);
        GgusField::ALL.into_iter().find(|f| normalized_key(f.export_name()) == key)
    }

    /// The ticket's value of this field.
    pub fn get(self, ticket: &GgusTicket) -> &str {
        match self {
            GgusField::TicketId => &ticket.ticket_id,
            GgusField::Type => &ticket.ticket_type,
            GgusField::Vo => &ticket.vo,
            GgusField::Site => &ticket.site,
            GgusField::Priority => &ticket.priority,
            GgusField::ResponsibleUnit => &ticket.responsible_unit,
            GgusField::Status => &ticket.status,
            GgusField::LastUpdate => &ticket.last_update,
            GgusField::Subject => &ticket.subject,
            GgusField::Scope => &ticket.scope,
        }
    }

    /// Sets the ticket's value of this field.
    pub fn set(self, ticket: &mut GgusTicket, value: String) {
        let slot = match self {
            GgusField::TicketId => &mut ticket.ticket_id,
            GgusField::Type => &mut ticket.ticket_type,
            GgusField::Vo => &mut ticket.vo,
            GgusField::Site => &mut ticket.site,
            GgusField::Priority => &mut ticket.priority,
            GgusField::ResponsibleUnit => &mut ticket.responsible_unit,
            GgusField::Status => &mut ticket.status,
            GgusField::LastUpdate => &mut ticket.last_update,
            GgusField::Subject => &mut ticket.subject,
            GgusField::Scope => &mut ticket.scope,
        };
        *slot = value;
    }
}

/// `name` lowercased without `-`, `_` and spaces: the key column names are compared by.
pub(crate) fn normalized_key(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '-' | '_' | ' ')).flat_map(char::to_lowercase).collect()
}

/// The forms a GGUS ticket list comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GgusFormat {
    /// The ticket-search export as XML: `<tickets><ticket><Ticket-ID>…`.
    Xml,
    /// The same export as `;`-separated CSV with a header row.
    Csv,
    /// JSON: the helpdesk's REST API answer, or an array of export-shaped objects.
    Json,
}

impl GgusFormat {
    /// Guesses the format from the first non-blank byte: `<` is XML, `[` or `{` is JSON, the
    /// rest is CSV.
    pub fn sniff(bytes: &[u8]) -> GgusFormat {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => GgusFormat::Xml,
            Some(b'[' | b'{') => GgusFormat::Json,
            _ => GgusFormat::Csv,
        }
    }
}

/// Bounds on what one parse accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgusLimits {
    /// Largest input in bytes.
    pub max_bytes: usize,
    /// Most tickets.
    pub max_tickets: usize,
}

impl Default for GgusLimits {
    /// 64 MiB and 200,000 tickets: GGUS exports are a few MiB at most.
    fn default() -> Self {
        GgusLimits { max_bytes: 64 << 20, max_tickets: 200_000 }
    }
}

/// Why a GGUS document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GgusError {
    /// Over [`GgusLimits::max_bytes`].
    #[error("input is {len} bytes, more than the limit of {max} bytes")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Bytes that are not UTF-8.
    #[error("line {line}: the input is not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Line of the first invalid byte.
        line: usize,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// Nothing but whitespace.
    #[error("the input is empty")]
    Empty,
    /// Over [`GgusLimits::max_tickets`].
    #[error("more than {max} tickets")]
    TooManyTickets {
        /// The limit.
        max: usize,
    },
    /// The XML is not a readable export.
    #[error("GGUS XML: {0}")]
    Xml(#[from] XmlRecordError),
    /// An XML ticket lacks some of the export's fields.
    #[error("GGUS XML: ticket #{index} (line {line}{id}) lacks field(s) {}", .missing.join(", "))]
    MissingFields {
        /// 1-based position of the ticket in the document.
        index: usize,
        /// Line where the ticket starts.
        line: usize,
        /// `, Ticket-ID 1234` when the ticket has an id, else empty.
        id: String,
        /// Names of the missing fields.
        missing: Vec<&'static str>,
    },
    /// The CSV header is one field that contains another separator.
    #[error(
        "GGUS CSV: the header does not split on ';' but contains {found:?}: GGUS exports are \
         ';'-separated (header: {header:?})"
    )]
    CsvDelimiter {
        /// The separator the header seems to use.
        found: char,
        /// The header line, shortened.
        header: String,
    },
    /// The CSV header lacks some of the export's columns.
    #[error("GGUS CSV: the header lacks column(s) {} (header: {header:?})", .missing.join(", "))]
    CsvMissingColumns {
        /// Names of the missing columns.
        missing: Vec<&'static str>,
        /// The header line, shortened.
        header: String,
    },
    /// A CSV row could not be read.
    #[error("GGUS CSV: line {line}: {message}")]
    Csv {
        /// Line of the row.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// Not JSON, or JSON of another shape.
    #[error("GGUS JSON: {0}")]
    Json(String),
    /// A ticket without an id.
    #[error("ticket #{index}{place}: no ticket id")]
    MissingTicketId {
        /// 1-based position of the ticket.
        index: usize,
        /// ` (line N)` where known, else empty.
        place: String,
    },
}

/// Parses a GGUS ticket list in `format` (or the sniffed one when `None`) under the default
/// [`GgusLimits`].
pub fn parse_ggus(bytes: &[u8], format: Option<GgusFormat>) -> Result<Vec<GgusTicket>, GgusError> {
    parse_ggus_with(bytes, format, GgusLimits::default())
}

/// [`parse_ggus`] with explicit limits.
pub fn parse_ggus_with(
    bytes: &[u8],
    format: Option<GgusFormat>,
    limits: GgusLimits,
) -> Result<Vec<GgusTicket>, GgusError> {
    if bytes.len() > limits.max_bytes {
        return Err(GgusError::TooLarge { len: bytes.len(), max: limits.max_bytes });
    }
    let text = utf8_text(bytes)?;
    if text.trim().is_empty() {
        return Err(GgusError::Empty);
    }
    match format.unwrap_or_else(|| GgusFormat::sniff(text.as_bytes())) {
        GgusFormat::Xml => xml::parse(text, limits.max_tickets),
        GgusFormat::Csv => csv::parse(text, limits.max_tickets),
        GgusFormat::Json => json::parse(text, limits.max_tickets),
    }
}

/// `bytes` as text without a leading BOM, or where the first invalid byte is.
fn utf8_text(bytes: &[u8]) -> Result<&str, GgusError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        GgusError::NotUtf8 { line, offset }
    })
}

/// The tickets whose VO is `vo`, compared without regard to ASCII case.
pub fn filter_vo(tickets: Vec<GgusTicket>, vo: &str) -> Vec<GgusTicket> {
    tickets.into_iter().filter(|t| t.vo.trim().eq_ignore_ascii_case(vo.trim())).collect()
}

/// Statuses that end a ticket's life: GGUS's terminal states.
pub const CLOSED_STATUSES: [&str; 4] = ["solved", "unsolved", "closed", "verified"];

/// Whether a ticket in `status` is still open. The export's open states (`new`, `assigned`,
/// `in progress`, `on hold`, `waiting for reply`, `reopened`, …) and any unknown status count as
/// open; only [`CLOSED_STATUSES`] (any case, surrounding blanks ignored) count as closed.
pub fn is_open(status: &str) -> bool {
    let status = status.trim();
    !CLOSED_STATUSES.iter().any(|closed| status.eq_ignore_ascii_case(closed))
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    crate::series::shorten(text, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_looks_at_the_first_non_blank_byte() {
        assert_eq!(GgusFormat::sniff(b"\xEF\xBB\xBF  <?xml"), GgusFormat::Xml);
        assert_eq!(GgusFormat::sniff(b"\n[{}]"), GgusFormat::Json);
        assert_eq!(GgusFormat::sniff(b"{\"Ticket\":[]}"), GgusFormat::Json);
        assert_eq!(GgusFormat::sniff(b"Ticket-ID;Type"), GgusFormat::Csv);
    }

    #[test]
    fn column_names_match_across_spellings() {
        for name in ["Ticket-ID", "ticket_id", "TicketID", "ticketId", "TICKET ID"] {
            assert_eq!(GgusField::from_column_name(name), Some(GgusField::TicketId), "{name}");
        }
        assert_eq!(GgusField::from_column_name("responsibleUnit"), Some(GgusField::ResponsibleUnit));
        assert_eq!(GgusField::from_column_name("Ticket"), None);
    }

    #[test]
    fn terminal_statuses_are_closed_and_the_rest_open() {
        for closed in ["solved", "Unsolved", " closed ", "VERIFIED"] {
            assert!(!is_open(closed), "{closed}");
        }
        for open in ["new", "assigned", "in progress", "on hold", "waiting for reply", "reopened", "??"] {
            assert!(is_open(open), "{open}");
        }
    }

    #[test]
    fn vo_filter_ignores_case() {
        let t = |vo: &str| GgusTicket { vo: vo.into(), ..GgusTicket::default() };
        let kept = filter_vo(vec![t("cms"), t("CMS"), t("atlas"), t("cmsx")], "cms");
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn non_utf8_bytes_are_an_error_with_their_line() {
        let err = parse_ggus(b"Ticket-ID;Type\n1;\xFFUSER\n", None).unwrap_err();
        assert_eq!(err, GgusError::NotUtf8 { line: 2, offset: 17 });
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let limits = GgusLimits { max_bytes: 4, max_tickets: 10 };
        assert_eq!(parse_ggus_with(b"<tickets/>", None, limits), Err(GgusError::TooLarge { len: 10, max: 4 }));
    }
}
