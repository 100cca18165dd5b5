//! `triage top`'s pure state and rendering: sample alerts and groups drawn on ratatui's
//! `TestBackend`, and the keys (move, filter, drill-in, back, quit).

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use triage::cli::client::model::{AlertView, GroupView};
use triage::cli::client::top::{App, Mode, draw, on_key};

const NOW: &str = "2026-12-06T10:00:00Z";

fn now() -> Timestamp {
    NOW.parse().expect("NOW parses")
}

fn alert(fp: &str, name: &str, severity: &str, site: &str, instance: &str, started: &str) -> serde_json::Value {
    json!({
        "fingerprint": fp,
        "labels": {"alertname": name, "severity": severity, "site": site, "instance": instance},
        "annotations": {"summary": format!("{name} at {site}"), "runbook": "restart the pool"},
        "startsAt": started,
        "endsAt": "2026-12-06T11:00:00Z",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    })
}

fn sample_alerts() -> serde_json::Value {
    json!([
        alert("a1", "DiskFull", "warning", "T2_CH_CSCS", "se1.cscs.ch:9100", "2026-12-06T09:50:00Z"),
        alert("a2", "SRMDown", "critical", "T1_DE_KIT", "srm.kit.edu", "2026-12-06T09:00:00Z"),
        alert("a3", "DiskFull", "warning", "T2_CH_CSCS", "se2.cscs.ch:9100", "2026-12-06T09:55:00Z"),
    ])
}

fn sample_groups() -> serde_json::Value {
    let alerts = sample_alerts();
    json!([
        {"labels": {"alertname": "DiskFull"}, "receiver": {"name": "storage-team"}, "alerts": [alerts[0], alerts[2]]},
        {"labels": {"alertname": "SRMDown"}, "receiver": {"name": "site-admins"}, "alerts": [alerts[1]]},
    ])
}

fn loaded_app() -> App {
    let mut app = App::new("http://127.0.0.1:9193", now());
    app.update(AlertView::list_from_json(&sample_alerts()), GroupView::list_from_json(&sample_groups()), now());
    app
}

/// The screen as lines of text.
fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(140, 40)).expect("test terminal");
    terminal.draw(|frame| draw(frame, app)).expect("draw");
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    let symbols: Vec<&str> = buffer.content().iter().map(|c| c.symbol()).collect();
    symbols.chunks(width).map(|row| row.concat()).collect::<Vec<_>>().join("\n")
}

fn press(app: &mut App, code: KeyCode) {
    on_key(app, KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

#[test]
fn renders_alerts_sites_and_incidents() {
    let app = loaded_app();
    let text = screen(&app);
    for expected in [
        "Firing alerts",
        "SRMDown",
        "DiskFull",
        "se1.cscs.ch:9100",
        "srm.kit.edu",
        "T2_CH_CSCS",
        "T1_DE_KIT",
        "Incidents",
        "storage-team",
        "site-admins",
        "1h00m",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // Most severe first: the critical SRMDown row comes before the DiskFull rows.
    let srm = text.find("srm.kit.edu").expect("SRMDown row");
    let disk = text.find("se1.cscs.ch").expect("DiskFull row");
    assert!(srm < disk, "{text}");
}

#[test]
fn site_counts_are_sampled_at_every_refresh() {
    let mut app = loaded_app();
    let only_kit = json!([alert("a2", "SRMDown", "critical", "T1_DE_KIT", "srm.kit.edu", "2026-12-06T09:00:00Z")]);
    app.update(AlertView::list_from_json(&only_kit), Vec::new(), now());
    let sites = app.sites();
    let cscs = sites.iter().find(|(site, _, _)| *site == "T2_CH_CSCS").expect("CSCS still shown");
    assert_eq!((cscs.1, cscs.2.clone()), (0, vec![2, 0]));
    let kit = sites.iter().find(|(site, _, _)| *site == "T1_DE_KIT").expect("KIT");
    assert_eq!((kit.1, kit.2.clone()), (1, vec![1, 1]));
    assert_eq!(sites[0].0, "T1_DE_KIT", "highest current count first");
}

#[test]
fn filter_by_matcher_and_by_text() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('/'));
    assert!(matches!(app.mode, Mode::EditingFilter { .. }));
    type_text(&mut app, "site=\"T1_DE_KIT\"");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::List);
    let names: Vec<&str> = app.visible_alerts().iter().map(|a| a.label("alertname")).collect();
    assert_eq!(names, ["SRMDown"]);
    let text = screen(&app);
    assert!(!text.contains("se1.cscs.ch"), "{text}");
    assert!(text.contains("filter: site=\"T1_DE_KIT\""), "{text}");

    // Replace it with a text filter.
    press(&mut app, KeyCode::Char('/'));
    for _ in 0.."site=\"T1_DE_KIT\"".len() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "se2.cscs");
    press(&mut app, KeyCode::Enter);
    let fps: Vec<&str> = app.visible_alerts().iter().map(|a| a.fingerprint.as_str()).collect();
    assert_eq!(fps, ["a3"]);

    // Esc in the list clears the filter.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.visible_alerts().len(), 3);
}

#[test]
fn an_invalid_matcher_filter_is_reported_and_not_applied() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "alertname=~\"(\"");
    press(&mut app, KeyCode::Enter);
    match &app.mode {
        Mode::EditingFilter { error: Some(error), .. } => assert!(error.contains("regular expression"), "{error}"),
        other => panic!("expected an error, got {other:?}"),
    }
    assert!(screen(&app).contains("regular expression"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::List);
    assert_eq!(app.visible_alerts().len(), 3);
}

#[test]
fn enter_drills_into_the_selected_alert_and_esc_goes_back() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.selected, 1);
    let chosen = app.selected_alert().expect("a selected alert").fingerprint.clone();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Detail { fingerprint: chosen.clone() });
    let text = screen(&app);
    for expected in ["Labels", "Annotations", "Status", "runbook: restart the pool", "state: active", &chosen] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("Incidents"), "{text}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::List);
    assert!(screen(&app).contains("Incidents"));
}

#[test]
fn detail_of_a_resolved_alert_says_so() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Enter);
    app.update(Vec::new(), Vec::new(), now());
    assert!(screen(&app).contains("no longer listed"));
}

#[test]
fn q_quits_from_the_list_and_from_details_but_not_while_typing() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);

    let mut app = loaded_app();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn a_failed_refresh_keeps_the_data_and_shows_the_error() {
    let mut app = loaded_app();
    app.fetch_failed("could not reach http://127.0.0.1:9193".to_string(), now());
    let text = screen(&app);
    assert!(text.contains("error: could not reach"), "{text}");
    assert!(text.contains("SRMDown"), "{text}");
}
