//! GGUS tickets as JSON.
//!
//! The current GGUS helpdesk (helpdesk.ggus.eu, since 2024) runs on Zammad, so its REST API is
//! Zammad's: `GET /api/v1/tickets/search?query=…&expand=true` answers a JSON array of ticket
//! objects (`id`, `number`, `title`, `state`, `priority`, `group`, `updated_at`, `created_at`,
//! …) to which GGUS adds its own attributes (`vo_support`, `wlcg_sites`, `cms_site_names`,
//! `area`, …); without `expand` it answers `{"tickets":[ids],"assets":{"Ticket":{"id":{…}}}}`.
//! Sources: Zammad's API documentation (github.com/zammad/zammad-documentation,
//! `api/ticket/index.rst`) and CMS site-support scripts that query helpdesk.ggus.eu and read
//! exactly these GGUS attributes. No recorded GGUS answer was available, so the attribute
//! mapping below is from those descriptions, not from a captured response.
//!
//! Accepted shapes:
//! - an array of ticket objects;
//! - `{"Ticket": [...]}` or `{"tickets": [...]}` with ticket objects (the first is what the
//!   CMS monitoring `ggus_parser` wrote);
//! - Zammad's non-expanded answer: `{"tickets": [ids], "assets": {"Ticket": {…}}}`.
//!
//! A ticket object's keys are matched after lowercasing and dropping `-`, `_` and spaces, so the
//! export's names (`Ticket-ID`, `Responsible_Unit`) and their snake/camel variants all work.
//! Per field, the first key present wins, in this order:
//! TicketID ← ticketid, id · Type ← type, tickettype · VO ← vo, vosupport ·
//! Site ← site, wlcgsites, wlcgsite · Priority ← priority ·
//! ResponsibleUnit ← responsibleunit, group · Status ← status, state ·
//! LastUpdate ← lastupdate, updatedat · Subject ← subject, title · Scope ← scope.
//! Strings are kept as they are; numbers and booleans are written out; `null` is empty; an
//! array of scalars is joined with `,`; an object gives its `name`. Only the ticket id is
//! required.

use serde_json::{Map, Value};

use super::{GgusError, GgusField, GgusTicket, normalized_key};

/// The keys, normalized, each field is read from, in order of preference.
fn keys_of(field: GgusField) -> &'static [&'static str] {
    match field {
        GgusField::TicketId => &["ticketid", "id"],
        GgusField::Type => &["type", "tickettype"],
        GgusField::Vo => &["vo", "vosupport"],
        GgusField::Site => &["site", "wlcgsites", "wlcgsite"],
        GgusField::Priority => &["priority"],
        GgusField::ResponsibleUnit => &["responsibleunit", "group"],
        GgusField::Status => &["status", "state"],
        GgusField::LastUpdate => &["lastupdate", "updatedat"],
        GgusField::Subject => &["subject", "title"],
        GgusField::Scope => &["scope"],
    }
}

/// Reads the tickets of a JSON document of one of the accepted shapes.
pub(crate) fn parse(text: &str, max_tickets: usize) -> Result<Vec<GgusTicket>, GgusError> {
    let document: Value = serde_json::from_str(text).map_err(|e| GgusError::Json(e.to_string()))?;
    let items = ticket_objects(&document)?;
    if items.len() > max_tickets {
        return Err(GgusError::TooManyTickets { max: max_tickets });
    }
    items.into_iter().enumerate().map(|(i, item)| ticket_of(i + 1, item)).collect()
}

/// The ticket objects of the document, in document order.
fn ticket_objects(document: &Value) -> Result<Vec<&Value>, GgusError> {
    match document {
        Value::Array(items) => Ok(items.iter().collect()),
        Value::Object(map) => {
            if let Some(assets) = map.get("assets").and_then(|a| a.get("Ticket")).and_then(Value::as_object) {
                return Ok(zammad_assets(map, assets));
            }
            match map.get("Ticket").or_else(|| map.get("tickets")) {
                Some(Value::Array(items)) => Ok(items.iter().collect()),
                _ => Err(GgusError::Json(
                    "expected an array of tickets, {\"Ticket\": [...]}, {\"tickets\": [...]} or Zammad's \
                     {\"assets\": {\"Ticket\": {...}}}"
                        .into(),
                )),
            }
        }
        _ => Err(GgusError::Json("expected an array or an object at the top level".into())),
    }
}

/// The assets' tickets in the order of the answer's `tickets` id list, then any others.
fn zammad_assets<'a>(answer: &'a Map<String, Value>, assets: &'a Map<String, Value>) -> Vec<&'a Value> {
    let order: Vec<String> = answer
        .get("tickets")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(scalar_text).collect())
        .unwrap_or_default();
    let mut out: Vec<&Value> = order.iter().filter_map(|id| assets.get(id)).collect();
    out.extend(assets.iter().filter(|(id, _)| !order.contains(id)).map(|(_, v)| v));
    out
}

fn ticket_of(index: usize, item: &Value) -> Result<GgusTicket, GgusError> {
    let Value::Object(object) = item else {
        return Err(GgusError::Json(format!("ticket #{index} is not an object")));
    };
    let by_key: Vec<(String, &Value)> = object.iter().map(|(k, v)| (normalized_key(k), v)).collect();
    let mut ticket = GgusTicket::default();
    for field in GgusField::ALL {
        let found = keys_of(field).iter().find_map(|key| by_key.iter().find(|(k, _)| k == key).map(|(_, v)| *v));
        if let Some(value) = found {
            let text = field_text(value).ok_or_else(|| {
                GgusError::Json(format!("ticket #{index}: {} is not a string, number or list", field.export_name()))
            })?;
            field.set(&mut ticket, text);
        }
    }
    if ticket.ticket_id.trim().is_empty() {
        return Err(GgusError::MissingTicketId { index, place: String::new() });
    }
    Ok(ticket)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn field_text(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect::<Option<Vec<_>>>().map(|v| v.join(",")),
        Value::Object(map) => map.get("name").and_then(scalar_text),
        other => scalar_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_zammad_style_tickets() {
        let text = r#"[{"id": 1000981, "title": "Transfers failing", "state": "assigned", "priority": "urgent",
            "group": "NGI_IT", "updated_at": "2025-10-27T15:05:11Z", "vo_support": "cms",
            "wlcg_sites": ["INFN-T1"], "type": "USER", "scope": null}]"#;
        let tickets = parse(text, 10).unwrap();
        let t = &tickets[0];
        assert_eq!(t.ticket_id, "1000981");
        assert_eq!((t.subject.as_str(), t.status.as_str(), t.vo.as_str()), ("Transfers failing", "assigned", "cms"));
        assert_eq!((t.site.as_str(), t.responsible_unit.as_str(), t.scope.as_str()), ("INFN-T1", "NGI_IT", ""));
    }

    #[test]
    fn reads_the_export_shape_and_zammad_assets() {
        let export = r#"{"Ticket":[{"TicketID":"5","Responsible_Unit":"U","Last_Update":"x"}]}"#;
        let t = &parse(export, 10).unwrap()[0];
        assert_eq!((t.ticket_id.as_str(), t.responsible_unit.as_str(), t.last_update.as_str()), ("5", "U", "x"));
        let assets = r#"{"tickets":[3,2],"assets":{"Ticket":{"2":{"id":2},"3":{"id":3}}}}"#;
        let ids: Vec<String> = parse(assets, 10).unwrap().into_iter().map(|t| t.ticket_id).collect();
        assert_eq!(ids, ["3", "2"]);
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(matches!(parse("42", 10), Err(GgusError::Json(_))));
        assert!(matches!(parse("[1]", 10), Err(GgusError::Json(_))));
        assert!(matches!(parse(r#"[{"title":"x"}]"#, 10), Err(GgusError::MissingTicketId { index: 1, .. })));
        assert!(matches!(parse("[{\"id\": 1}, {\"id\": 2}]", 1), Err(GgusError::TooManyTickets { max: 1 })));
        assert!(matches!(parse(&"[".repeat(100_000), 10), Err(GgusError::Json(_))));
    }
}
