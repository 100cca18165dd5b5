//! Attachments for notification e-mails: the time series behind an alert, fetched from a
//! Prometheus-compatible query API, drawn as a PNG line chart and written as CSV.
//!
//! The chart uses a font embedded in the binary (DejaVu Sans, licence in
//! `assets/DejaVuSans-LICENSE.txt`), so it renders the same in containers without fonts.
//!
//! The generator URL comes from the alert, so it is untrusted input: it is parsed strictly,
//! URLs with credentials are refused, and when a datasource is configured only the expression
//! is taken from it. Without a datasource, notifications query the generator URL's own server
//! only when its host is on the operator's allow-list ([`GENERATOR_HOSTS_ENV`]); anyone who
//! can post an alert could otherwise make triage send requests to any host it can reach.
//! Responses are read up to a size cap.

use std::ops::Range;
use std::sync::OnceLock;
use std::time::Duration;

use plotters::prelude::*;
use plotters::style::FontStyle;
use reqwest::Url;

/// The embedded font, registered with the plotting library as `sans-serif`.
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
const FONT_FAMILY: &str = "sans-serif";

/// The query step is chosen so a series has about this many points at most.
const MAX_POINTS: f64 = 300.0;
/// A query_range response larger than this is refused.
const MAX_RESPONSE_BYTES: usize = 16 << 20;
/// A generator URL or expression longer than this is refused.
const MAX_URL_BYTES: usize = 64 << 10;
/// Longer series names are shortened in the legend.
const MAX_LEGEND_CHARS: usize = 70;
/// Chart sizes accepted by [`plot_png`].
const WIDTH_RANGE: Range<u32> = 200..4097;
const HEIGHT_RANGE: Range<u32> = 150..4097;

/// Distinct line colours, one per series (cycled beyond ten).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub use triage_core::series::MAX_SERIES;
pub use triage_core::series::Series;
use triage_core::series::{api_error_detail, limit_series, parse_query_range, shorten};

// ---------------------------------------------------------------------------------------------
// CSV

/// The series as CSV: a `series,timestamp,value` header, then one row per sample with an
/// RFC 3339 UTC timestamp. Non-finite values are written as Prometheus writes them.
pub fn series_csv(series: &[Series]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["series", "timestamp", "value"]).expect("writing CSV to memory cannot fail");
    for s in series {
        for &(millis, value) in &s.points {
            let row = [s.name.as_str(), &rfc3339(millis), &format_sample(value)];
            writer.write_record(row).expect("writing CSV to memory cannot fail");
        }
    }
    writer.into_inner().expect("writing CSV to memory cannot fail")
}

/// A unix-millisecond time as RFC 3339 UTC; the plain number when it is out of range.
fn rfc3339(millis: i64) -> String {
    jiff::Timestamp::from_millisecond(millis).map(|t| t.to_string()).unwrap_or_else(|_| millis.to_string())
}

fn format_sample(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        value.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// PNG

/// Draws the series as a line chart: UTC time on the x axis, one colour per series, a legend,
/// and the threshold, when given, as a red horizontal line. Non-finite values leave gaps; with
/// no finite value at all the chart says "no data".
pub fn plot_png(
    title: &str,
    series: &[Series],
    threshold: Option<f64>,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, String> {
    if !WIDTH_RANGE.contains(&width) || !HEIGHT_RANGE.contains(&height) {
        return Err(format!(
            "chart size {width}x{height} is outside {}..{} x {}..{} pixels",
            WIDTH_RANGE.start, WIDTH_RANGE.end, HEIGHT_RANGE.start, HEIGHT_RANGE.end
        ));
    }
    register_font()?;
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    let threshold = threshold.filter(|t| t.is_finite()).map(|t| t.clamp(-Y_LIMIT, Y_LIMIT));
    draw_chart(&mut rgb, &shorten(title, 120), series, threshold, (width, height))?;
    encode_png(&rgb, width, height)
}

/// Encodes an RGB buffer as PNG, in memory.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| format!("encoding the chart: {e}"))?;
    writer.write_image_data(rgb).map_err(|e| format!("encoding the chart: {e}"))?;
    writer.finish().map_err(|e| format!("encoding the chart: {e}"))?;
    Ok(out)
}

/// Registers the embedded font once per process.
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the embedded chart font is not a valid TrueType font".to_string())
        })
        .clone()
}

/// One series as drawn.
struct Line {
    /// Index into [`PALETTE`].
    colour: usize,
    /// The legend text.
    name: String,
    /// Runs of consecutive finite points; a non-finite value ends a run.
    runs: Vec<Vec<(i64, f64)>>,
}

/// The drawable (finite, in-range) parts of the series, and the ranges they span.
struct Prepared {
    lines: Vec<Line>,
    x: Range<i64>,
    y: Range<f64>,
    threshold: Option<f64>,
}

/// Values beyond this are drawn at this value, so ranges and axis labels stay finite.
const Y_LIMIT: f64 = 1e300;

fn prepare(series: &[Series], threshold: Option<f64>) -> Option<Prepared> {
    let (min_ms, max_ms) = (jiff::Timestamp::MIN.as_millisecond(), jiff::Timestamp::MAX.as_millisecond());
    let mut lines = Vec::new();
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (i64::MAX, i64::MIN, f64::INFINITY, f64::NEG_INFINITY);
    for (index, s) in series.iter().enumerate() {
        let mut runs: Vec<Vec<(i64, f64)>> = vec![Vec::new()];
        for &(t, v) in &s.points {
            if !v.is_finite() || !(min_ms..=max_ms).contains(&t) {
                runs.push(Vec::new());
                continue;
            }
            let v = v.clamp(-Y_LIMIT, Y_LIMIT);
            (x_min, x_max, y_min, y_max) = (x_min.min(t), x_max.max(t), y_min.min(v), y_max.max(v));
            runs.last_mut().expect("at least one run").push((t, v));
        }
        runs.retain(|r| !r.is_empty());
        lines.push(Line { colour: index % PALETTE.len(), name: shorten(&s.name, MAX_LEGEND_CHARS), runs });
    }
    if x_min > x_max {
        return None;
    }
    if let Some(t) = threshold {
        (y_min, y_max) = (y_min.min(t), y_max.max(t));
    }
    let legend_entries = lines.len() + usize::from(threshold.is_some());
    let y = with_legend_headroom(padded_value_range(y_min, y_max), legend_entries);
    Some(Prepared { lines, x: padded_time_range(x_min, x_max), y, threshold })
}

/// Room above the data for the legend in the upper left: a share of the span per series.
fn with_legend_headroom(y: Range<f64>, series: usize) -> Range<f64> {
    let share = (0.07 * series as f64).min(0.8);
    y.start..y.end + (y.end - y.start) * share
}

fn padded_time_range(min: i64, max: i64) -> Range<i64> {
    if min == max { min - 30_000..max + 30_000 } else { min..max }
}

fn padded_value_range(min: f64, max: f64) -> Range<f64> {
    let span = max - min;
    let magnitude = min.abs().max(max.abs());
    if span <= magnitude * 1e-9 || span == 0.0 {
        let pad = if magnitude == 0.0 { 1.0 } else { magnitude * 0.1 };
        return min - pad..max + pad;
    }
    min - span * 0.05..max + span * 0.05
}

fn draw_chart(
    rgb: &mut [u8],
    title: &str,
    series: &[Series],
    threshold: Option<f64>,
    size: (u32, u32),
) -> Result<(), String> {
    let root = BitMapBackend::with_buffer(rgb, size).into_drawing_area();
    root.fill(&WHITE).map_err(draw_error)?;
    match prepare(series, threshold) {
        Some(prepared) => draw_lines(&root, title, &prepared)?,
        None => draw_no_data(&root, title)?,
    }
    root.present().map_err(draw_error)
}

fn draw_no_data(root: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>, title: &str) -> Result<(), String> {
    let (width, height) = root.dim_in_pixel();
    let centre = |size: i32| (width as i32 / 2 - size, height as i32 / 2);
    root.draw(&Text::new(title.to_string(), (10, 10), (FONT_FAMILY, 18).into_font())).map_err(draw_error)?;
    root.draw(&Text::new("no data", centre(30), (FONT_FAMILY, 16).into_font())).map_err(draw_error)
}

fn draw_lines(
    root: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    title: &str,
    prepared: &Prepared,
) -> Result<(), String> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT_FAMILY, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(prepared.x.clone(), prepared.y.clone())
        .map_err(draw_error)?;
    let span = prepared.x.end - prepared.x.start;
    let time_label = move |ms: &i64| time_label(*ms, span);
    let value_label = |v: &f64| value_label(*v);
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&time_label)
        .y_label_formatter(&value_label)
        .x_desc("time (UTC)")
        .label_style((FONT_FAMILY, 12))
        .axis_desc_style((FONT_FAMILY, 12))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(draw_error)?;
    for line in &prepared.lines {
        let colour = PALETTE[line.colour];
        let style = colour.stroke_width(2);
        let paths = line.runs.iter().filter(|r| r.len() > 1).map(|r| PathElement::new(r.clone(), style));
        chart
            .draw_series(paths)
            .map_err(draw_error)?
            .label(line.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
        let dots = line.runs.iter().filter(|r| r.len() == 1).map(|r| Circle::new(r[0], 2, style.filled()));
        chart.draw_series(dots).map_err(draw_error)?;
    }
    if let Some(t) = prepared.threshold {
        let red = RGBColor(220, 0, 0);
        let line = PathElement::new(vec![(prepared.x.start, t), (prepared.x.end, t)], red.stroke_width(2));
        chart
            .draw_series(std::iter::once(line))
            .map_err(draw_error)?
            .label(format!("threshold {}", value_label(&t)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], red.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .label_font((FONT_FAMILY, 12))
        .draw()
        .map_err(draw_error)
}

/// A UTC time label whose precision suits the chart's time span.
fn time_label(millis: i64, span_millis: i64) -> String {
    const HOUR: i64 = 3_600_000;
    let format = match span_millis {
        s if s <= 10 * 60_000 => "%H:%M:%S",
        s if s <= 24 * HOUR => "%H:%M",
        s if s <= 60 * 24 * HOUR => "%m-%d %H:%M",
        _ => "%Y-%m-%d",
    };
    jiff::Timestamp::from_millisecond(millis).map(|t| t.strftime(format).to_string()).unwrap_or_default()
}

/// A short value label: plain for ordinary magnitudes, scientific for very large or small ones.
fn value_label(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-3..1e6).contains(&magnitude) {
        return format!("{value:.2e}");
    }
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

fn draw_error<E: std::fmt::Display>(e: E) -> String {
    format!("cannot draw the chart: {e}")
}

// ---------------------------------------------------------------------------------------------
// Fetching

/// The environment variable listing the generator-URL hosts that may be queried when a plot
/// has no `datasource_url`: comma-separated `host` or `host:port` entries, `*` for any host.
/// Unset (the default), no generator URL is queried.
pub const GENERATOR_HOSTS_ENV: &str = "TRIAGE_PLOT_GENERATOR_HOSTS";

/// Whether a plot without a datasource may query `generator_url`'s own server: its host is on
/// the allow-list of [`GENERATOR_HOSTS_ENV`] (read once).
pub fn generator_host_allowed(generator_url: &str) -> bool {
    static ALLOWED: OnceLock<Vec<String>> = OnceLock::new();
    let allowed = ALLOWED.get_or_init(|| {
        std::env::var(GENERATOR_HOSTS_ENV)
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect()
    });
    host_in(allowed, generator_url)
}

/// Whether the host (or `host:port`) of `url` is one of `allowed` (lowercase; `*` is any).
fn host_in(allowed: &[String], url: &str) -> bool {
    let Ok(url) = Url::parse(url.trim()) else { return false };
    let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
    let with_port = url.port_or_known_default().map(|p| format!("{host}:{p}"));
    allowed.iter().any(|a| a == "*" || *a == host || Some(a) == with_port.as_ref())
}

/// Fetches the series of the PromQL expression in `generator_url` over `range` up to `end`,
/// from `datasource` (a Prometheus-compatible API base URL) or else from the generator URL's
/// own server. At most [`MAX_SERIES`] series are returned, ordered by name; when more matched,
/// the last one's name says how many were left out.
pub async fn fetch_series(
    client: &reqwest::Client,
    generator_url: &str,
    datasource: Option<&str>,
    end: jiff::Timestamp,
    range: Duration,
) -> Result<Vec<Series>, String> {
    let source = query_source(generator_url, datasource)?;
    let url = query_range_url(&source, end, range)?;
    let body = get_capped(client, &url, &source.base).await?;
    let series = parse_query_range(&body, &source.base)?;
    Ok(limit_series(series, MAX_SERIES))
}

/// Where to send the query, and what to ask.
#[derive(Debug, Clone, PartialEq)]
struct QuerySource {
    /// The API base, without a trailing slash (`{base}/api/v1/query_range`).
    base: String,
    /// The PromQL expression.
    expr: String,
}

fn query_source(generator_url: &str, datasource: Option<&str>) -> Result<QuerySource, String> {
    let url = parse_http_url("generator URL", generator_url)?;
    let expr = expression_of(&url)
        .ok_or_else(|| format!("generator URL {} has no PromQL expression (g0.expr or expr parameter)", shown(&url)))?;
    if expr.trim().is_empty() || expr.len() > MAX_URL_BYTES {
        return Err(format!("generator URL {} has an empty or oversized expression", shown(&url)));
    }
    let base = match datasource.map(str::trim).filter(|d| !d.is_empty()) {
        Some(datasource) => base_of_datasource(datasource)?,
        None => base_of_generator(&url)?,
    };
    Ok(QuerySource { base, expr })
}

fn parse_http_url(what: &str, text: &str) -> Result<Url, String> {
    if text.len() > MAX_URL_BYTES {
        return Err(format!("{what} is longer than {MAX_URL_BYTES} bytes"));
    }
    let url = Url::parse(text.trim()).map_err(|e| format!("{what} {:?} is not a URL: {e}", shorten(text, 200)))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{what} {} is not an http(s) URL with a host", shown(&url)));
    }
    Ok(url)
}

/// The expression from the query (`g0.expr`, else `expr`), or from a query after `#…?` in the
/// fragment, as single-page UIs put it.
fn expression_of(url: &Url) -> Option<String> {
    let from_pairs = |pairs: Vec<(String, String)>| {
        let find = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        find("g0.expr").or_else(|| find("expr"))
    };
    let query_pairs = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    from_pairs(query_pairs).or_else(|| {
        let fragment_query = url.fragment()?.split_once('?')?.1;
        from_pairs(form_urlencoded::parse(fragment_query.as_bytes()).into_owned().collect())
    })
}

/// `scheme://host[:port]` plus the path before the UI page (`/graph` or `/vmui`).
fn base_of_generator(url: &Url) -> Result<String, String> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err("generator URL carries credentials; refusing to query it (configure a datasource)".to_string());
    }
    let path = url.path();
    let prefix = ["/graph", "/vmui"]
        .iter()
        .find_map(|page| path.find(page).filter(|&i| is_page_at(path, i, page)).map(|i| &path[..i]))
        .ok_or_else(|| {
            format!(
                "generator URL {} is not a Prometheus graph link (…/graph?g0.expr=…); configure a datasource",
                shown(url)
            )
        })?;
    Ok(format!("{}{prefix}", origin(url)))
}

/// Whether `page` at byte `i` of `path` is a whole path segment.
fn is_page_at(path: &str, i: usize, page: &str) -> bool {
    let after = &path[i + page.len()..];
    after.is_empty() || after.starts_with('/')
}

fn base_of_datasource(datasource: &str) -> Result<String, String> {
    let url = parse_http_url("datasource URL", datasource)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("datasource URL {} must not have a query or fragment", shown(&url)));
    }
    let mut base = url.to_string();
    while base.ends_with('/') {
        base.pop();
    }
    Ok(base)
}

fn origin(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// A URL for messages: origin and path only (no credentials, query or fragment).
fn shown(url: &Url) -> String {
    shorten(&format!("{}{}", origin(url), url.path()), 200)
}

/// The query step: whole seconds, so a range has at most about [`MAX_POINTS`] points.
fn step_for(range: Duration) -> Duration {
    Duration::from_secs(((range.as_secs_f64() / MAX_POINTS).ceil() as u64).max(1))
}

fn query_range_url(source: &QuerySource, end: jiff::Timestamp, range: Duration) -> Result<Url, String> {
    if range.is_zero() {
        return Err("the query range must be longer than zero".to_string());
    }
    let end_ms = end.as_millisecond();
    let range_ms = i64::try_from(range.as_millis()).map_err(|_| "the query range is too long".to_string())?;
    let start_ms = end_ms.checked_sub(range_ms).ok_or_else(|| "the query range is too long".to_string())?;
    let mut url = Url::parse(&format!("{}/api/v1/query_range", source.base))
        .map_err(|e| format!("invalid query URL for {}: {e}", source.base))?;
    url.query_pairs_mut()
        .append_pair("query", &source.expr)
        .append_pair("start", &unix_seconds(start_ms))
        .append_pair("end", &unix_seconds(end_ms))
        .append_pair("step", &format!("{}s", step_for(range).as_secs()));
    Ok(url)
}

fn unix_seconds(millis: i64) -> String {
    let sign = if millis < 0 { "-" } else { "" };
    let abs = millis.unsigned_abs();
    format!("{sign}{}.{:03}", abs / 1000, abs % 1000)
}

/// GETs `url`, failing on HTTP errors (with the API's error text) and on bodies over the cap.
async fn get_capped(client: &reqwest::Client, url: &Url, base: &str) -> Result<Vec<u8>, String> {
    let shown_base = Url::parse(base).map(|u| shown(&u)).unwrap_or_default();
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("query_range request to {shown_base} failed: {}", e.without_url()))?;
    let status = response.status();
    if response.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
        return Err(too_large(&shown_base));
    }
    let capped = crate::net::body::read_capped(&mut response, MAX_RESPONSE_BYTES).await;
    if let Some(e) = capped.error {
        return Err(format!("reading query_range response from {shown_base}: {}", e.without_url()));
    }
    if capped.over {
        return Err(too_large(&shown_base));
    }
    let body = capped.body;
    if !status.is_success() {
        return Err(http_error(status, &body, &shown_base));
    }
    Ok(body)
}

fn too_large(base: &str) -> String {
    format!("query_range response from {base} is larger than {} MiB", MAX_RESPONSE_BYTES >> 20)
}

fn http_error(status: reqwest::StatusCode, body: &[u8], base: &str) -> String {
    let detail = api_error_detail(body).unwrap_or_else(|| shorten(String::from_utf8_lossy(body).trim(), 200));
    format!("query_range at {base} failed with HTTP {}: {detail}", status.as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, points: &[(i64, f64)]) -> Series {
        Series { name: name.to_string(), points: points.to_vec() }
    }

    fn png_size(png_bytes: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let reader = decoder.read_info().expect("a decodable PNG");
        let info = reader.info();
        (info.width, info.height)
    }

    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn csv_has_header_rfc3339_times_and_quoting() {
        let csv = series_csv(&[
            series(r#"up{job="api", note="a,b"}"#, &[(T0, 1.0), (T0 + 1500, 0.25)]),
            series("x{}", &[(T0, f64::NAN), (T0, f64::INFINITY), (T0, f64::NEG_INFINITY)]),
        ]);
        let text = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "series,timestamp,value");
        assert_eq!(lines[1], r#""up{job=""api"", note=""a,b""}",2023-11-14T22:13:20Z,1"#);
        assert_eq!(lines[2], r#""up{job=""api"", note=""a,b""}",2023-11-14T22:13:21.5Z,0.25"#);
        assert_eq!(
            &lines[3..],
            ["x{},2023-11-14T22:13:20Z,NaN", "x{},2023-11-14T22:13:20Z,+Inf", "x{},2023-11-14T22:13:20Z,-Inf"]
        );
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let first = reader.records().next().unwrap().unwrap();
        assert_eq!(&first[0], r#"up{job="api", note="a,b"}"#);
    }

    #[test]
    fn csv_of_nothing_is_the_header() {
        assert_eq!(series_csv(&[]), b"series,timestamp,value\n");
    }

    #[test]
    fn png_decodes_with_the_requested_size() {
        let points: Vec<(i64, f64)> = (0..120).map(|i| (T0 + i * 30_000, (i as f64 / 10.0).sin())).collect();
        let doubled: Vec<(i64, f64)> = points.iter().map(|&(t, v)| (t, v * 2.0 + 1.0)).collect();
        let png = plot_png("HighLoad on api", &[series("a{}", &points), series("b{}", &doubled)], Some(1.5), 640, 360)
            .unwrap();
        assert_eq!(png_size(&png), (640, 360));
    }

    #[test]
    fn png_of_empty_nan_and_extreme_series_does_not_panic() {
        let cases: Vec<Vec<Series>> = vec![
            vec![],
            vec![series("empty{}", &[])],
            vec![series("nan{}", &[(T0, f64::NAN), (T0 + 1000, f64::INFINITY)])],
            vec![series("one{}", &[(T0, 5.0)])],
            vec![series("flat{}", &[(T0, 0.0), (T0 + 60_000, 0.0)])],
            vec![series("gaps{}", &[(T0, 1.0), (T0 + 1, f64::NAN), (T0 + 2, 3.0), (T0 + 3, 4.0)])],
            vec![series("huge{}", &[(T0, f64::MAX), (T0 + 1000, -f64::MAX), (T0 + 2000, 1e-300)])],
            vec![series("time{}", &[(i64::MIN, 1.0), (i64::MAX, 2.0), (0, 3.0)])],
            (0..25).map(|i| series(&format!("s{i}{{}}"), &[(T0, i as f64), (T0 + 1000, 1.0)])).collect(),
        ];
        for case in cases {
            let png = plot_png(&"t".repeat(500), &case, Some(f64::INFINITY), 300, 200).unwrap();
            assert_eq!(png_size(&png), (300, 200));
        }
    }

    #[test]
    fn png_refuses_silly_sizes() {
        assert!(plot_png("t", &[], None, 0, 100).is_err());
        assert!(plot_png("t", &[], None, 100_000, 300).is_err());
    }

    #[test]
    fn time_labels_follow_the_span() {
        assert_eq!(time_label(T0, 5 * 60_000), "22:13:20");
        assert_eq!(time_label(T0, 3_600_000), "22:13");
        assert_eq!(time_label(T0, 7 * 86_400_000), "11-14 22:13");
        assert_eq!(time_label(T0, 400 * 86_400_000), "2023-11-14");
        assert_eq!(value_label(0.5), "0.5");
        assert_eq!(value_label(2e9), "2.00e9");
        assert_eq!(value_label(-0.0), "0");
    }

    #[test]
    fn only_allowed_generator_hosts_are_queried_without_a_datasource() {
        let allowed = vec!["prom.example".to_string(), "vm:8428".to_string()];
        assert!(host_in(&allowed, "http://prom.example:9090/graph?g0.expr=up"));
        assert!(host_in(&allowed, "http://PROM.example/graph?g0.expr=up"));
        assert!(host_in(&allowed, "http://vm:8428/vmui/#/?g0.expr=up"));
        assert!(!host_in(&allowed, "http://vm:9999/vmui/#/?g0.expr=up"));
        assert!(!host_in(&allowed, "http://169.254.169.254/graph?g0.expr=up"));
        assert!(!host_in(&allowed, "http://prom.example.attacker.org/graph?g0.expr=up"));
        assert!(!host_in(&[], "http://prom.example/graph?g0.expr=up"), "nothing is allowed by default");
        assert!(host_in(&["*".to_string()], "http://anything:1/graph?g0.expr=up"));
        assert!(!host_in(&["*".to_string()], "not a url"));
    }

    #[test]
    fn prometheus_generator_urls() {
        let s =
            query_source("http://prom.example:9090/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=1", None).unwrap();
        assert_eq!(s, QuerySource { base: "http://prom.example:9090".into(), expr: "rate(x[5m]) > 1".into() });
        let s = query_source("https://example.org/prometheus/graph?expr=up", None).unwrap();
        assert_eq!(s.base, "https://example.org/prometheus");
        let s = query_source("http://vm:8428/vmui/#/?g0.expr=up%7Bjob%3D%22a%22%7D&g0.range_input=1h", None).unwrap();
        assert_eq!((s.base.as_str(), s.expr.as_str()), ("http://vm:8428", "up{job=\"a\"}"));
        let s = query_source("http://[::1]:9090/graph?g0.expr=up", None).unwrap();
        assert_eq!(s.base, "http://[::1]:9090");
    }

    #[test]
    fn datasource_replaces_the_generator_server() {
        let s =
            query_source("http://elsewhere:1/graph?g0.expr=up", Some("http://vm:8428/select/0/prometheus/")).unwrap();
        assert_eq!(s.base, "http://vm:8428/select/0/prometheus");
        let s = query_source("http://vmalert:8880/vmalert/alert?expr=up&group_id=1", Some("http://vm:8428")).unwrap();
        assert_eq!(s.expr, "up");
        assert!(query_source("http://x/graph?g0.expr=up", Some("ftp://vm")).is_err());
        assert!(query_source("http://x/graph?g0.expr=up", Some("http://vm/?a=b")).is_err());
    }

    #[test]
    fn hostile_and_malformed_generator_urls_are_refused() {
        let long = format!("http://x/graph?g0.expr={}", "a".repeat(MAX_URL_BYTES));
        let cases = [
            ("", "not a URL"),
            ("not a url", "not a URL"),
            ("javascript:alert(1)", "http(s)"),
            ("file:///etc/passwd?expr=up", "http(s)"),
            ("http://prom:9090/graph", "no PromQL expression"),
            ("http://prom:9090/graph?g0.expr=", "empty or oversized"),
            ("http://prom:9090/graph?g0.expr=%20%20", "empty or oversized"),
            ("http://user:pw@prom:9090/graph?g0.expr=up", "credentials"),
            ("http://prom:9090/graphite?g0.expr=up", "not a Prometheus graph link"),
            ("http://prom:9090/vmalert/alert?g0.expr=up", "not a Prometheus graph link"),
            ("http://prom:99999/graph?g0.expr=up", "not a URL"),
            (long.as_str(), "longer than"),
        ];
        for (url, expected) in cases {
            let err = query_source(url, None).unwrap_err();
            assert!(err.contains(expected), "{url:?}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
    }

    #[test]
    fn query_url_has_a_step_for_at_most_about_300_points() {
        let source = QuerySource { base: "http://p:9090".into(), expr: "sum(up) by (job)".into() };
        let end = jiff::Timestamp::from_millisecond(T0 + 250).unwrap();
        let url = query_range_url(&source, end, Duration::from_secs(3600)).unwrap();
        let pairs: std::collections::BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(url.path(), "/api/v1/query_range");
        assert_eq!(pairs["query"], "sum(up) by (job)");
        assert_eq!(pairs["end"], "1700000000.250");
        assert_eq!(pairs["start"], "1699996400.250");
        assert_eq!(pairs["step"], "12s");
        assert_eq!(step_for(Duration::from_secs(60)), Duration::from_secs(1));
        assert_eq!(step_for(Duration::from_secs(86_400)), Duration::from_secs(288));
        assert!(query_range_url(&source, end, Duration::ZERO).is_err());
    }

    #[test]
    fn matrix_responses_become_named_series() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"up","job":"a\"b"},"values":[[1700000000,"1"],[1700000000.5,"NaN"],[1700000001,"+Inf"]]},
            {"metric":{},"values":[]}]}}"#;
        let series = parse_query_range(body, "http://p").unwrap();
        assert_eq!(series[0].name, r#"up{job="a\"b"}"#);
        assert_eq!(series[0].points[0], (T0, 1.0));
        assert_eq!(series[0].points[1].0, T0 + 500);
        assert!(series[0].points[1].1.is_nan());
        assert_eq!(series[0].points[2].1, f64::INFINITY);
        assert_eq!(series[1].name, "{}");
    }

    #[test]
    fn error_and_malformed_responses() {
        let err = parse_query_range(
            br#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#,
            "http://p",
        )
        .unwrap_err();
        assert!(err.contains("bad_data: parse error at char 3"), "{err}");
        for body in [
            &b"<html>"[..],
            b"{}",
            br#"{"status":"success"}"#,
            br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
            br#"{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"x"]]}]}}"#,
        ] {
            let err = parse_query_range(body, "http://p").unwrap_err();
            assert!(err.contains("malformed"), "{err}");
        }
        let err = http_error(
            reqwest::StatusCode::BAD_REQUEST,
            br#"{"status":"error","errorType":"bad_data","error":"boom"}"#,
            "http://p",
        );
        assert_eq!(err, "query_range at http://p failed with HTTP 400: bad_data: boom");
    }

    #[test]
    fn series_are_limited_and_the_cut_is_named() {
        let many: Vec<Series> = (0..13).rev().map(|i| series(&format!("s{i:02}"), &[])).collect();
        let kept = limit_series(many, 10);
        assert_eq!(kept.len(), 10);
        assert_eq!(kept[0].name, "s00");
        assert_eq!(kept[9].name, "s09 (+3 more series not shown)");
        assert_eq!(limit_series(vec![series("a", &[])], 10)[0].name, "a");
    }
}
