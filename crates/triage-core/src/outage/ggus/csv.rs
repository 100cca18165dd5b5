//! The GGUS ticket-search export as CSV: `;`-separated, a header row naming the export's
//! columns (in any order, extra columns ignored), fields quoted with `"` where needed.

use super::{GgusError, GgusField, GgusTicket, shorten};

/// Separators a wrongly exported file is likely to use instead of `;`.
const OTHER_DELIMITERS: [char; 3] = [',', '\t', '|'];

/// Reads the tickets of a CSV export.
pub(crate) fn parse(text: &str, max_tickets: usize) -> Result<Vec<GgusTicket>, GgusError> {
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| csv_error(&e))?.clone();
    let header_line = shorten(text.lines().next().unwrap_or(""), 200);
    if header.len() == 1
        && let Some(found) = OTHER_DELIMITERS.into_iter().find(|d| header[0].contains(*d))
    {
        return Err(GgusError::CsvDelimiter { found, header: header_line });
    }
    let mut columns: Vec<(usize, GgusField)> = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(field) = GgusField::from_column_name(name)
            && !columns.iter().any(|(_, f)| *f == field)
        {
            columns.push((i, field));
        }
    }
    let missing: Vec<&'static str> = GgusField::ALL
        .into_iter()
        .filter(|f| !columns.iter().any(|(_, c)| c == f))
        .map(GgusField::export_name)
        .collect();
    if !missing.is_empty() {
        return Err(GgusError::CsvMissingColumns { missing, header: header_line });
    }
    let mut tickets = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| csv_error(&e))?;
        if tickets.len() >= max_tickets {
            return Err(GgusError::TooManyTickets { max: max_tickets });
        }
        let mut ticket = GgusTicket::default();
        for (index, field) in &columns {
            field.set(&mut ticket, row.get(*index).unwrap_or("").to_string());
        }
        if ticket.ticket_id.trim().is_empty() {
            let line = row.position().map_or(0, csv::Position::line);
            return Err(GgusError::MissingTicketId { index: i + 1, place: format!(" (line {line})") });
        }
        tickets.push(ticket);
    }
    Ok(tickets)
}

fn csv_error(e: &csv::Error) -> GgusError {
    let line = e.position().map_or(0, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("the row has {len} fields but the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    GgusError::Csv { line, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Ticket-ID;Type;VO;Site;Priority;Responsible_Unit;Status;Last_Update;Subject;Scope\n";

    #[test]
    fn reads_quoted_fields_with_separators_and_quotes() {
        let text = format!("{HEADER}7;USER;cms;T2;urgent;U;new;2020-02-21 16:02:00;\"a;b \"\"c\"\"\";WLCG\n");
        let tickets = parse(&text, 10).unwrap();
        assert_eq!(tickets[0].subject, "a;b \"c\"");
        assert_eq!(tickets[0].scope, "WLCG");
    }

    #[test]
    fn columns_may_come_in_any_order() {
        let text = "Scope;Subject;Last_Update;Status;Responsible_Unit;Priority;Site;VO;Type;Ticket-ID\n\
                    EGI;s;t;new;U;urgent;X;cms;USER;9\n";
        let tickets = parse(text, 10).unwrap();
        assert_eq!((tickets[0].ticket_id.as_str(), tickets[0].scope.as_str()), ("9", "EGI"));
    }

    #[test]
    fn a_comma_separated_header_is_named_as_such() {
        let text = HEADER.replace(';', ",");
        assert!(matches!(parse(&text, 10), Err(GgusError::CsvDelimiter { found: ',', .. })));
    }

    #[test]
    fn missing_columns_are_listed() {
        let err = parse("Ticket-ID;Type;VO\n1;USER;cms\n", 10).unwrap_err();
        let GgusError::CsvMissingColumns { missing, .. } = err else { panic!("{err:?}") };
        assert_eq!(missing, ["Site", "Priority", "Responsible_Unit", "Status", "Last_Update", "Subject", "Scope"]);
    }

    #[test]
    fn a_short_row_names_its_line() {
        let err = parse(&format!("{HEADER}1;USER\n"), 10).unwrap_err();
        assert_eq!(err.to_string(), "GGUS CSV: line 2: the row has 2 fields but the header has 10");
    }
}
