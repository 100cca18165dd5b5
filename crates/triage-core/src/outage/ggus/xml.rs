//! The GGUS ticket-search export in XML: `<tickets><ticket><Ticket-ID>…</Ticket-ID>…</ticket>`,
//! one child element per export column.

use super::{GgusError, GgusField, GgusTicket};
use crate::outage::xml_records::{XmlRecordError, read_records};

/// Reads the tickets of an XML export; every ticket must carry all ten export fields.
pub(crate) fn parse(text: &str, max_tickets: usize) -> Result<Vec<GgusTicket>, GgusError> {
    let records = read_records(text, "tickets", "ticket", max_tickets).map_err(|e| match e {
        XmlRecordError::TooManyRecords { max, .. } => GgusError::TooManyTickets { max },
        other => GgusError::Xml(other),
    })?;
    let mut tickets = Vec::with_capacity(records.len());
    for (i, record) in records.into_iter().enumerate() {
        let mut ticket = GgusTicket::default();
        let mut seen = [false; GgusField::ALL.len()];
        for (name, value) in record.fields {
            if let Some(field) = GgusField::from_column_name(&name) {
                seen[field as usize] = true;
                field.set(&mut ticket, value);
            }
        }
        let missing: Vec<&'static str> =
            GgusField::ALL.into_iter().filter(|f| !seen[*f as usize]).map(GgusField::export_name).collect();
        if !missing.is_empty() {
            let id =
                if ticket.ticket_id.is_empty() { String::new() } else { format!(", Ticket-ID {}", ticket.ticket_id) };
            return Err(GgusError::MissingFields { index: i + 1, line: record.line, id, missing });
        }
        if ticket.ticket_id.trim().is_empty() {
            return Err(GgusError::MissingTicketId { index: i + 1, place: format!(" (line {})", record.line) });
        }
        tickets.push(ticket);
    }
    Ok(tickets)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "<?xml version=\"1.0\"?>\n<tickets>\n<ticket><Ticket-ID>1</Ticket-ID><Type>USER</Type>\
        <VO>cms</VO><Site/><Priority>urgent</Priority><Responsible_Unit>A &amp; B</Responsible_Unit>\
        <Status>new</Status><Last_Update>2020-02-21 16:02:00</Last_Update>\
        <Subject> x &lt;y&gt; &#233; </Subject><Scope>WLCG</Scope></ticket>\n</tickets>\n";

    #[test]
    fn reads_fields_with_entities_and_keeps_blanks() {
        let tickets = parse(ONE, 10).unwrap();
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].responsible_unit, "A & B");
        assert_eq!(tickets[0].subject, " x <y> é ");
        assert_eq!(tickets[0].site, "");
    }

    #[test]
    fn a_missing_field_is_named() {
        let text = ONE.replace("<Scope>WLCG</Scope>", "");
        let err = parse(&text, 10).unwrap_err();
        assert_eq!(err.to_string(), "GGUS XML: ticket #1 (line 3, Ticket-ID 1) lacks field(s) Scope");
    }

    #[test]
    fn the_ticket_limit_holds() {
        assert_eq!(parse("<tickets><ticket/><ticket/></tickets>", 1), Err(GgusError::TooManyTickets { max: 1 }));
    }
}
