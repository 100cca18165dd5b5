//! Cutting a rendered notification text to a channel's size limit without breaking its markup.
//!
//! Chat channels cap the length of a message. [`truncate`] shortens a text to a number of
//! characters (Unicode scalar values, never bytes), appends a note saying how many characters
//! were left out, and keeps the markup valid: it never cuts inside a character, a Markdown
//! construct, or an HTML tag or entity, and it closes what is still open at the cut (a fenced
//! code block, HTML elements). Where it can, it cuts at the end of a line, else after a word.
//!
//! The result is always `prefix + closers + note`: a prefix of the text, what closes the markup
//! still open at the end of that prefix, and the note, all within the limit.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// How a text is marked up, which decides where it may be cut and how the cut is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Markup {
    /// No markup: any character boundary is a valid cut; the note is plain text.
    Plain,
    /// Slack mrkdwn or Mattermost Markdown: fenced code blocks are closed at the cut; inline
    /// code, links (`<url|text>`, `[text](url)`), emphasis pairs (`*b*`, `_i_`, `~s~`) and
    /// entities (`&amp;`) are never cut; the note is in italics (`_…_`).
    Markdown,
    /// HTML: never cut inside a tag, a comment or an entity; the elements still open at the
    /// cut are closed in reverse order; the note is a `<p><i>…</i></p>`.
    Html,
}

/// Shortens `text` to at most `max_chars` characters, markup and note included.
///
/// Returns the text itself when it fits. Otherwise the text is cut at a place where the markup
/// allows it (preferring the end of a line, then the end of a word, within the last quarter of
/// what would fit), what is still open there is closed, and a note such as
/// `… 1234 more characters not shown` is appended. When that note would take more room than
/// the text it leaves (small limits), it shrinks to a bare `…`; with a limit of 0 the result
/// is empty.
pub fn truncate(text: &str, max_chars: usize, markup: Markup) -> Cow<'_, str> {
    let total = text.chars().count();
    if total <= max_chars {
        return Cow::Borrowed(text);
    }
    let cuts = match markup {
        Markup::Plain => plain_cuts(text, max_chars),
        Markup::Markdown => markdown_cuts(text, max_chars),
        Markup::Html => html_cuts(text, max_chars),
    };
    let fitting = Fitting { text, total, max_chars, markup };
    let (cut, form) = fitting.choose(&cuts);
    Cow::Owned(fitting.assemble(&cut, form))
}

/// What kind of place a cut is at, from least to most preferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Boundary {
    /// Anywhere else (inside a word).
    Inside,
    /// Right after a word, before whitespace.
    Word,
    /// At the end of a line, before its line break.
    Line,
}

/// An opening code fence: its character (`` ` `` or `~`) and how many of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fence {
    mark: u8,
    len: usize,
}

impl Fence {
    /// Whether this backtick fence is closed again on its own line (```` ```code``` ````):
    /// outside a block, such a line is inline code, not the start of a block.
    fn closes_on(self, line: &str) -> bool {
        let rest = &line.trim_start_matches(' ')[self.len..];
        self.mark == b'`' && rest.contains('`')
    }

    /// The line that closes this fence, after a prefix that does or does not end a line.
    fn closer(self, at_line_start: bool) -> String {
        let marks = char::from(self.mark).to_string().repeat(self.len);
        if at_line_start { marks } else { format!("\n{marks}") }
    }

    fn closer_chars(self, at_line_start: bool) -> usize {
        self.len + usize::from(!at_line_start)
    }
}

/// A place where the text may be cut.
#[derive(Clone, Copy, Debug)]
struct Cut {
    /// Byte offset: the prefix is `text[..byte]`.
    byte: usize,
    /// Characters in the prefix.
    chars: usize,
    /// Characters of the markup that closes what is open at the cut.
    closer_chars: usize,
    boundary: Boundary,
    /// The fenced code block open at the cut (Markdown).
    fence: Option<Fence>,
    /// Whether the cut is right after a line that starts with a code fence (Markdown): what
    /// follows must start a new line.
    after_fence_line: bool,
}

/// Collects the places a text may be cut, up to `limit` characters of prefix.
struct Cuts<'a> {
    text: &'a str,
    limit: usize,
    list: Vec<Cut>,
}

impl<'a> Cuts<'a> {
    fn new(text: &'a str, limit: usize) -> Self {
        Cuts { text, limit, list: Vec::new() }
    }

    /// Records a cut at `byte`; `false` once the prefix is longer than the limit, which tells
    /// the caller to stop scanning.
    fn add(&mut self, byte: usize, chars: usize, element_closer_chars: usize, fence: Option<Fence>) -> bool {
        self.add_at(byte, chars, element_closer_chars, fence, boundary_at(self.text, byte))
    }

    fn add_at(
        &mut self,
        byte: usize,
        chars: usize,
        element_closer_chars: usize,
        fence: Option<Fence>,
        boundary: Boundary,
    ) -> bool {
        if chars > self.limit {
            return false;
        }
        let at_line_start = self.text[..byte].ends_with('\n');
        let closer_chars = element_closer_chars + fence.map_or(0, |f| f.closer_chars(at_line_start));
        self.list.push(Cut { byte, chars, closer_chars, boundary, fence, after_fence_line: false });
        true
    }

    /// Records a cut right after a code fence line, with the fence open after it.
    fn add_after_fence_line(&mut self, byte: usize, chars: usize, fence: Option<Fence>) -> bool {
        let added = self.add(byte, chars, 0, fence);
        if let Some(last) = self.list.last_mut().filter(|_| added) {
            last.after_fence_line = true;
        }
        added
    }
}

/// The kind of place `byte` is in `text`, judged from the characters around it.
fn boundary_at(text: &str, byte: usize) -> Boundary {
    let prev = text[..byte].chars().next_back();
    let next = text[byte..].chars().next();
    match (prev, next) {
        (Some(p), Some('\n')) if p != '\r' => Boundary::Line,
        (_, Some('\r')) => Boundary::Line,
        (Some(p), Some(n)) if !p.is_whitespace() && n.is_whitespace() => Boundary::Word,
        _ => Boundary::Inside,
    }
}

// ---------------------------------------------------------------------------------------------
// Choosing the cut and assembling the result.

/// How much of the note to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NoteForm {
    /// `… N more characters not shown`, with the markup's emphasis.
    Full,
    /// A bare `…`.
    Short,
    /// Nothing (a limit of 0).
    Omitted,
}

/// The text being truncated and its limit.
struct Fitting<'a> {
    text: &'a str,
    total: usize,
    max_chars: usize,
    markup: Markup,
}

impl Fitting<'_> {
    /// The cut and note to use: the full note when it leaves room for at least as much text as
    /// it takes itself, else a bare `…` after as much text as fits, else whatever is left.
    fn choose(&self, cuts: &[Cut]) -> (Cut, NoteForm) {
        let with_text = |form| move |c: &Cut| c.chars > 0 && self.fits(c, form);
        let full = preferred_cut(cuts, with_text(NoteForm::Full));
        let short = preferred_cut(cuts, with_text(NoteForm::Short));
        match (full, short) {
            (Some(full), _) if full.chars >= self.note(&full, NoteForm::Full).chars().count() => {
                return (full, NoteForm::Full);
            }
            (_, Some(short)) => return (short, NoteForm::Short),
            (Some(full), None) => return (full, NoteForm::Full),
            (None, None) => {}
        }
        let start = cuts[0];
        for form in [NoteForm::Full, NoteForm::Short] {
            if self.fits(&start, form) {
                return (start, form);
            }
        }
        (start, NoteForm::Omitted)
    }

    fn fits(&self, cut: &Cut, form: NoteForm) -> bool {
        cut.chars + cut.closer_chars + self.note(cut, form).chars().count() <= self.max_chars
    }

    /// `prefix + closers + note` for `cut`.
    fn assemble(&self, cut: &Cut, form: NoteForm) -> String {
        let prefix = &self.text[..cut.byte];
        let closers = match self.markup {
            Markup::Plain => String::new(),
            Markup::Markdown => cut.fence.map(|f| f.closer(prefix.ends_with('\n'))).unwrap_or_default(),
            Markup::Html => open_elements_before(self.text, cut.byte).closers(),
        };
        let out = format!("{prefix}{closers}{}", self.note(cut, form));
        debug_assert!(out.chars().count() <= self.max_chars, "{out:?} exceeds {}", self.max_chars);
        out
    }

    /// The note appended after the prefix and its closers, with what separates it from them.
    fn note(&self, cut: &Cut, form: NoteForm) -> String {
        let omitted = self.total - cut.chars;
        let needs_own_line = cut.fence.is_some() || cut.after_fence_line;
        match (form, self.markup) {
            (NoteForm::Omitted, _) => String::new(),
            (NoteForm::Short, Markup::Markdown) if needs_own_line => "\n…".to_string(),
            (NoteForm::Short, _) => "…".to_string(),
            (NoteForm::Full, Markup::Html) => format!("<p><i>{}</i></p>", omitted_text(omitted)),
            (NoteForm::Full, Markup::Markdown) => {
                format!("{}_{}_", self.separator(cut, needs_own_line), omitted_text(omitted))
            }
            (NoteForm::Full, Markup::Plain) => format!("{}{}", self.separator(cut, false), omitted_text(omitted)),
        }
    }

    /// A line break when the note needs its own line or the cut is at a line end, a space after
    /// a word, nothing after nothing or after whitespace.
    fn separator(&self, cut: &Cut, needs_own_line: bool) -> &'static str {
        let prev = self.text[..cut.byte].chars().next_back();
        if needs_own_line {
            "\n"
        } else if cut.byte == 0 {
            ""
        } else if cut.boundary == Boundary::Line {
            "\n"
        } else if prev.is_some_and(char::is_whitespace) {
            ""
        } else {
            " "
        }
    }
}

/// `… 1234 more characters not shown`.
fn omitted_text(omitted: usize) -> String {
    let noun = if omitted == 1 { "character" } else { "characters" };
    format!("… {omitted} more {noun} not shown")
}

/// The longest cut that `fits`, or a slightly shorter one at a line end (preferred) or word end
/// if there is one within the last quarter of it.
fn preferred_cut(cuts: &[Cut], fits: impl Fn(&Cut) -> bool) -> Option<Cut> {
    let longest = *cuts.iter().rev().find(|c| fits(c))?;
    let floor = longest.chars - longest.chars / 4;
    let in_reach =
        || cuts.iter().rev().skip_while(move |c| c.byte > longest.byte).take_while(move |c| c.chars >= floor);
    let at = |boundary| in_reach().find(|c| c.boundary == boundary && fits(c)).copied();
    Some(at(Boundary::Line).or_else(|| at(Boundary::Word)).unwrap_or(longest))
}

// ---------------------------------------------------------------------------------------------
// Plain text.

fn plain_cuts(text: &str, limit: usize) -> Vec<Cut> {
    let mut cuts = Cuts::new(text, limit);
    for (chars, (byte, _)) in text.char_indices().enumerate() {
        if !cuts.add(byte, chars, 0, None) {
            break;
        }
    }
    cuts.list
}

// ---------------------------------------------------------------------------------------------
// Markdown (Slack mrkdwn and Mattermost).

fn markdown_cuts(text: &str, limit: usize) -> Vec<Cut> {
    let mut cuts = Cuts::new(text, limit);
    let mut fence: Option<Fence> = None;
    let mut line_start = 0;
    let mut chars = 0;
    for line in text.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content_chars = content.chars().count();
        let more = match (fence_marker(content), fence) {
            (Some(marker), _) => {
                let before = cuts.add(line_start, chars, 0, fence);
                if fence.is_some() || !marker.closes_on(content) {
                    fence = fence_after(fence, marker, content);
                }
                before && cuts.add_after_fence_line(line_start + content.len(), chars + content_chars, fence)
            }
            (None, Some(open)) => add_code_line(&mut cuts, line_start, chars, content, open),
            (None, None) => add_text_line(&mut cuts, line_start, chars, content),
        };
        if !more {
            break;
        }
        line_start += line.len();
        chars += content_chars + (line.len() - content.len());
    }
    cuts.list
}

/// The fence a line starts with (up to three spaces, then three or more backticks or tildes).
/// Such a line is never cut: a part of it could open a block the whole line does not.
fn fence_marker(line: &str) -> Option<Fence> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let mark = *trimmed.as_bytes().first()?;
    if mark != b'`' && mark != b'~' {
        return None;
    }
    let len = trimmed.bytes().take_while(|&b| b == mark).count();
    (len >= 3).then_some(Fence { mark, len })
}

/// The fence open after a fence line: it opens one when none is open, and closes the open one
/// when it has the same mark, at least as many of them and nothing after.
fn fence_after(open: Option<Fence>, marker: Fence, line: &str) -> Option<Fence> {
    let Some(open) = open else { return Some(marker) };
    let rest = &line.trim_start_matches(' ')[marker.len..];
    let closes = marker.mark == open.mark && marker.len >= open.len && rest.trim().is_empty();
    if closes { None } else { Some(open) }
}

/// Every character boundary of a line inside a fenced code block is a cut.
fn add_code_line(cuts: &mut Cuts, line_start: usize, chars: usize, content: &str, fence: Fence) -> bool {
    content
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(content.len()))
        .enumerate()
        .all(|(n, i)| cuts.add(line_start + i, chars + n, 0, Some(fence)))
}

/// Every character boundary of a text line that is not inside an inline construct is a cut.
fn add_text_line(cuts: &mut Cuts, line_start: usize, chars: usize, content: &str) -> bool {
    let spans = inline_spans(content);
    let mut spans = spans.iter().peekable();
    let boundaries = content.char_indices().map(|(i, _)| i).chain(std::iter::once(content.len()));
    for (n, i) in boundaries.enumerate() {
        while spans.next_if(|s| s.end <= i).is_some() {}
        let inside = spans.peek().is_some_and(|s| s.start < i);
        if !inside && !cuts.add(line_start + i, chars + n, 0, None) {
            return false;
        }
    }
    true
}

/// The byte ranges of one line's inline constructs, in order and not overlapping: a cut may be
/// at their ends but not strictly inside. All delimiters are ASCII, so the ranges fall on
/// character boundaries.
fn inline_spans(line: &str) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let code = BacktickRuns::new(bytes);
    let emphasis = EmphasisClosers::new(bytes);
    let mut angle_close = NextMatch::new(|b: &[u8], i| b[i] == b'>');
    let mut link_middle = NextMatch::new(|b: &[u8], i| b[i] == b']' && b.get(i + 1) == Some(&b'('));
    let mut link_close = NextMatch::new(|b: &[u8], i| b[i] == b')');
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'`' => code.span_end(bytes, i),
            b'<' => angle_close.after(bytes, i + 1).map(|j| j + 1),
            b'[' => link_middle.after(bytes, i + 1).and_then(|j| link_close.after(bytes, j + 2)).map(|j| j + 1),
            b'*' | b'_' | b'~' => emphasis.span_end(bytes, i),
            b'&' => entity_end(bytes, i),
            _ => None,
        };
        match end {
            Some(end) => {
                spans.push(i..end);
                i = end;
            }
            None => i += run_len(bytes, i),
        }
    }
    spans
}

/// Length of the run of equal delimiter bytes at `i` (1 for any other byte).
fn run_len(bytes: &[u8], i: usize) -> usize {
    match bytes[i] {
        b @ (b'`' | b'*' | b'_' | b'~') => bytes[i..].iter().take_while(|&&x| x == b).count(),
        _ => 1,
    }
}

/// Finds the next position matching a predicate, for searches whose start only moves forward:
/// the last answer is reused, so a line is scanned once however many openers it has.
struct NextMatch<F> {
    is_match: F,
    last: Option<Option<usize>>,
}

impl<F: Fn(&[u8], usize) -> bool> NextMatch<F> {
    fn new(is_match: F) -> Self {
        NextMatch { is_match, last: None }
    }

    fn after(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        match self.last {
            Some(None) => return None,
            Some(Some(j)) if j >= from => return Some(j),
            _ => {}
        }
        let found = (from..bytes.len()).find(|&j| (self.is_match)(bytes, j));
        self.last = Some(found);
        found
    }
}

/// The runs of backticks of a line by length, to find where an inline code span ends (at the
/// next run of the same length).
struct BacktickRuns {
    starts_by_len: HashMap<usize, Vec<usize>>,
}

impl BacktickRuns {
    fn new(bytes: &[u8]) -> Self {
        let mut starts_by_len: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut i = 0;
        while i < bytes.len() {
            let len = run_len(bytes, i);
            if bytes[i] == b'`' {
                starts_by_len.entry(len).or_default().push(i);
            }
            i += len;
        }
        BacktickRuns { starts_by_len }
    }

    fn span_end(&self, bytes: &[u8], open: usize) -> Option<usize> {
        let len = run_len(bytes, open);
        let starts = self.starts_by_len.get(&len)?;
        let close = starts[starts.partition_point(|&s| s < open + len)..].first()?;
        Some(close + len)
    }
}

/// The runs of `*`, `_` and `~` of a line that can close an emphasis: after a non-space and
/// not followed by a letter or digit.
struct EmphasisClosers {
    runs: [Vec<Range<usize>>; 3],
}

const EMPHASIS_MARKS: [u8; 3] = [b'*', b'_', b'~'];

impl EmphasisClosers {
    fn new(bytes: &[u8]) -> Self {
        let mut runs: [Vec<Range<usize>>; 3] = Default::default();
        let mut i = 0;
        while i < bytes.len() {
            let len = run_len(bytes, i);
            let slot = EMPHASIS_MARKS.iter().position(|&m| m == bytes[i]);
            if let Some(slot) = slot
                && can_close(bytes, i..i + len)
            {
                runs[slot].push(i..i + len);
            }
            i += len;
        }
        EmphasisClosers { runs }
    }

    /// The end of the emphasis opened at `open`, if the run there can open one and a closer of
    /// the same mark follows.
    fn span_end(&self, bytes: &[u8], open: usize) -> Option<usize> {
        let run = open..open + run_len(bytes, open);
        if !can_open(bytes, run.clone()) {
            return None;
        }
        let slot = EMPHASIS_MARKS.iter().position(|&m| m == bytes[open])?;
        let runs = &self.runs[slot];
        runs[runs.partition_point(|r| r.start <= run.end)..].first().map(|r| r.end)
    }
}

fn can_open(bytes: &[u8], run: Range<usize>) -> bool {
    let before_ok = run.start == 0 || !bytes[run.start - 1].is_ascii_alphanumeric();
    let after_ok = bytes.get(run.end).is_some_and(|b| !b.is_ascii_whitespace());
    before_ok && after_ok
}

fn can_close(bytes: &[u8], run: Range<usize>) -> bool {
    let before_ok = run.start > 0 && !bytes[run.start - 1].is_ascii_whitespace();
    let after_ok = bytes.get(run.end).is_none_or(|b| !b.is_ascii_alphanumeric());
    before_ok && after_ok
}

/// The end of a character reference (`&amp;`, `&#39;`, `&#x1F600;`) starting at `i`.
fn entity_end(bytes: &[u8], i: usize) -> Option<usize> {
    const MAX_NAME: usize = 32;
    let name = bytes[i + 1..].iter().take(MAX_NAME).take_while(|b| b.is_ascii_alphanumeric() || **b == b'#').count();
    (name > 0 && bytes.get(i + 1 + name) == Some(&b';')).then_some(i + name + 2)
}

// ---------------------------------------------------------------------------------------------
// HTML.

/// Elements that have no end tag.
const VOID_ELEMENTS: [&str; 14] =
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// Elements whose end is also the end of a line.
const BLOCK_ELEMENTS: [&str; 17] =
    ["p", "div", "li", "ul", "ol", "tr", "table", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dd"];

/// A piece of HTML markup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag<'a> {
    /// A start tag of an element that needs an end tag.
    Open(&'a str),
    /// A start tag of a void element, or a self-closing one.
    Void(&'a str),
    /// An end tag.
    Close(&'a str),
    /// A comment, doctype or processing instruction.
    Other,
}

/// The elements open at some point of an HTML text, innermost last.
#[derive(Default)]
struct OpenElements<'a> {
    names: Vec<&'a str>,
    closer_chars: usize,
}

impl<'a> OpenElements<'a> {
    fn apply(&mut self, tag: Tag<'a>) {
        match tag {
            Tag::Open(name) => {
                self.closer_chars += name.len() + 3;
                self.names.push(name);
            }
            Tag::Close(name) => {
                if let Some(at) = self.names.iter().rposition(|n| n.eq_ignore_ascii_case(name)) {
                    for closed in self.names.drain(at..) {
                        self.closer_chars -= closed.len() + 3;
                    }
                }
            }
            Tag::Void(_) | Tag::Other => {}
        }
    }

    /// The end tags that close them, innermost first.
    fn closers(&self) -> String {
        self.names.iter().rev().map(|n| format!("</{}>", n.to_ascii_lowercase())).collect()
    }
}

/// The units an HTML text is made of, each never cut: markup (with its tag if it is one), an
/// entity, or a single character. Yields `(start, end, tag)` byte ranges.
fn html_units(text: &str) -> impl Iterator<Item = (usize, usize, Option<Tag<'_>>)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= text.len() {
            return None;
        }
        let start = i;
        let (end, tag) = match text.as_bytes()[i] {
            b'<' => markup_at(text, i).map_or((i + 1, None), |(end, tag)| (end, Some(tag))),
            b'&' => (entity_end(text.as_bytes(), i).unwrap_or(i + 1), None),
            _ => (i + text[i..].chars().next().map_or(1, char::len_utf8), None),
        };
        i = end;
        Some((start, end, tag))
    })
}

/// The markup starting with the `<` at `i` and where it ends. Markup that is never closed runs
/// to the end of the text; a `<` that starts no markup (`a < b`) is text.
fn markup_at(text: &str, i: usize) -> Option<(usize, Tag<'_>)> {
    let rest = &text[i..];
    let bytes = rest.as_bytes();
    let to_end =
        |needle: &str, from: usize| rest[from..].find(needle).map_or(text.len(), |j| i + from + j + needle.len());
    if rest.starts_with("<!--") {
        return Some((to_end("-->", 4), Tag::Other));
    }
    match bytes.get(1)? {
        b'!' | b'?' => Some((to_end(">", 2), Tag::Other)),
        b'/' if bytes.get(2).is_some_and(u8::is_ascii_alphabetic) => {
            let name = tag_name(&rest[2..]);
            Some((to_end(">", 2 + name.len()), Tag::Close(name)))
        }
        b if b.is_ascii_alphabetic() => {
            let name = tag_name(&rest[1..]);
            let (end, self_closing) = start_tag_end(rest, 1 + name.len());
            let void = self_closing || VOID_ELEMENTS.iter().any(|v| v.eq_ignore_ascii_case(name));
            Some((end.map_or(text.len(), |e| i + e), if void { Tag::Void(name) } else { Tag::Open(name) }))
        }
        _ => None,
    }
}

fn tag_name(s: &str) -> &str {
    let len = s.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'-').count();
    &s[..len]
}

/// Where a start tag ends (after its `>`, skipping quoted attribute values) and whether it is
/// self-closing (`/>`).
fn start_tag_end(tag: &str, from: usize) -> (Option<usize>, bool) {
    let mut quote = None;
    let mut last_unquoted = b' ';
    for (j, b) in tag.bytes().enumerate().skip(from) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return (Some(j + 1), last_unquoted == b'/'),
            (None, b) if !b.is_ascii_whitespace() => last_unquoted = b,
            (None, _) => {}
        }
    }
    (None, false)
}

fn html_cuts(text: &str, limit: usize) -> Vec<Cut> {
    let mut cuts = Cuts::new(text, limit);
    let mut open = OpenElements::default();
    let mut chars = 0;
    let mut after_block_end = false;
    for (start, end, tag) in html_units(text) {
        let boundary = if after_block_end || matches!(tag, Some(Tag::Void(n)) if n.eq_ignore_ascii_case("br")) {
            Boundary::Line
        } else {
            boundary_at(text, start)
        };
        if !cuts.add_at(start, chars, open.closer_chars, None, boundary) {
            break;
        }
        chars += if end - start == 1 { 1 } else { text[start..end].chars().count() };
        after_block_end =
            matches!(tag, Some(Tag::Close(n)) if BLOCK_ELEMENTS.iter().any(|b| b.eq_ignore_ascii_case(n)));
        if let Some(tag) = tag {
            open.apply(tag);
        }
    }
    cuts.list
}

/// The elements open at `byte`, which must be the start of an HTML unit.
fn open_elements_before(text: &str, byte: usize) -> OpenElements<'_> {
    let mut open = OpenElements::default();
    for (_, _, tag) in html_units(text).take_while(|(start, _, _)| *start < byte) {
        if let Some(tag) = tag {
            open.apply(tag);
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(text: &str, max: usize) -> String {
        truncate(text, max, Markup::Markdown).into_owned()
    }

    fn html(text: &str, max: usize) -> String {
        truncate(text, max, Markup::Html).into_owned()
    }

    fn plain(text: &str, max: usize) -> String {
        truncate(text, max, Markup::Plain).into_owned()
    }

    #[test]
    fn text_that_fits_is_returned_as_is() {
        assert!(matches!(truncate("short", 5, Markup::Plain), Cow::Borrowed("short")));
        // Characters, not bytes: three two-byte characters fit in three.
        assert!(matches!(truncate("ééé", 3, Markup::Markdown), Cow::Borrowed(_)));
        assert!(matches!(truncate("", 0, Markup::Html), Cow::Borrowed("")));
    }

    #[test]
    fn cuts_at_a_line_end_and_counts_what_is_left_out() {
        let text = format!("first line of the alert\nsecond line of the alert\n{}", "x".repeat(100));
        let out = plain(&text, 90);
        assert_eq!(out, "first line of the alert\nsecond line of the alert\n… 101 more characters not shown");
    }

    #[test]
    fn cuts_after_a_word_when_there_is_no_line_end() {
        let text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma";
        assert_eq!(plain(text, 80), "alpha beta gamma delta epsilon zeta eta theta … 48 more characters not shown");
    }

    #[test]
    fn never_cuts_inside_a_character() {
        let text = "🚨".repeat(100);
        let out = plain(&text, 70);
        assert_eq!(out, format!("{} … 61 more characters not shown", "🚨".repeat(39)));
    }

    #[test]
    fn one_character_left_out_is_singular() {
        assert_eq!(omitted_text(1), "… 1 more character not shown");
    }

    #[test]
    fn tiny_limits_shorten_the_note() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        assert_eq!(plain(text, 0), "");
        assert_eq!(plain(text, 1), "…");
        assert_eq!(plain(text, 5), "abcd…");
        assert_eq!(md(text, 3), "ab…");
        assert_eq!(html("<b>abcdefghijklmnopqrstuvwxyz</b>", 12), "<b>abcd</b>…");
    }

    #[test]
    fn markdown_note_is_in_italics() {
        let text = format!("first line of the alert text, a bit longer\n{}", "y".repeat(200));
        assert_eq!(md(&text, 80), "first line of the alert text, a bit longer\n_… 201 more characters not shown_");
    }

    #[test]
    fn the_full_note_needs_room_for_as_much_text() {
        let text = "word ".repeat(40);
        assert_eq!(plain(&text, 40), "word word word word word word word word…");
        assert_eq!(plain(&text, 80), "word word word word word word word word word … 156 more characters not shown");
    }

    #[test]
    fn markdown_closes_an_open_code_fence() {
        let text = format!("Alerts:\n```\n{}```\nafter", "log line\n".repeat(30));
        let out = md(&text, 100);
        assert!(out.starts_with("Alerts:\n```\nlog line\n"), "{out}");
        assert!(out.contains("log line\n```\n_… "), "{out}");
        assert!(out.chars().count() <= 100);
    }

    #[test]
    fn markdown_fence_lines_are_never_cut() {
        let text = format!("```python\n{}", "z".repeat(100));
        for max in 0..60 {
            let out = md(&text, max);
            assert!(out.chars().count() <= max);
            let whole = out.starts_with("```python\n") && out.contains("\n```\n");
            assert!(out.is_empty() || out == "…" || whole, "{out}");
        }
    }

    #[test]
    fn markdown_short_note_after_a_closing_fence_gets_its_own_line() {
        let text = format!("```\ncode\n```\n{}", "t".repeat(40));
        assert_eq!(md(&text, 14), "```\ncode\n```\n…");
    }

    #[test]
    fn markdown_never_cuts_a_line_that_starts_like_a_fence() {
        let text = format!("```a`b c d e f g\n{}", "x".repeat(100));
        for max in 0..30 {
            let out = md(&text, max);
            assert!(out == "…" || out.is_empty() || out.starts_with("```a`b c d e f g\n"), "{out:?}");
        }
    }

    #[test]
    fn markdown_never_cuts_inside_inline_constructs() {
        let constructs = [
            ("`some inline code here`", '`'),
            ("<https://example.com/a/very/long/path|the dashboard>", '<'),
            ("[the dashboard](https://example.com/a/very/long/path)", '['),
            ("*very bold words here*", '*'),
            ("_slanted words in here_", '_'),
            ("~struck out words here~", '~'),
            ("&amp;&amp;&amp;", '&'),
        ];
        for (construct, opener) in constructs {
            let text = format!("see {construct} now{}", " tail".repeat(20));
            for max in 30..100 {
                let out = md(&text, max);
                assert!(out.chars().count() <= max);
                let kept = match out.strip_suffix(" not shown_") {
                    Some(with_note) => with_note.rsplit_once("_…").unwrap().0,
                    None => out.trim_end_matches('…'),
                };
                assert!(!kept.contains(opener) || kept.contains(construct), "max {max}: {out:?}");
            }
        }
    }

    #[test]
    fn markdown_double_emphasis_is_one_construct() {
        let text = format!("**important alert** {}", "w ".repeat(50));
        assert_eq!(md(&text, 80), "**important alert** w w w w w w w w w w w w w w _… 73 more characters not shown_");
        assert_eq!(md(&text, 18), "…");
    }

    #[test]
    fn markdown_snake_case_is_not_emphasis() {
        let text = format!("metric_name_total {}", "v ".repeat(50));
        assert!(md(&text, 70).starts_with("metric_name_total v v"));
    }

    #[test]
    fn html_closes_open_elements_in_reverse_order() {
        let text = format!("<p><b>Firing:</b> <i>{}</i></p>", "disk full on host ".repeat(10));
        let out = html(&text, 200);
        assert!(out.starts_with("<p><b>Firing:</b> <i>disk full"), "{out}");
        assert!(out.contains("</i></p><p><i>… "), "{out}");
        assert!(out.ends_with(" more characters not shown</i></p>"), "{out}");
        assert!(out.chars().count() <= 200);
        assert!(html(&text, 100).ends_with("</i></p>…"));
    }

    #[test]
    fn html_never_cuts_inside_a_tag_or_entity_and_leaves_void_elements_alone() {
        let text = format!("a &amp; b<br><a href=\"https://x/?q=1&amp;r=2\">{}</a>", "link text ".repeat(20));
        for max in 0..120 {
            let out = html(&text, max);
            assert!(out.chars().count() <= max, "{out}");
            assert!(!out.contains("</br>"), "{out}");
            let kept = out.split("<p><i>").next().unwrap();
            assert_eq!(kept.matches('<').count(), kept.matches('>').count(), "max {max}: {out}");
            assert_eq!(kept.matches('&').count(), kept.matches(';').count(), "max {max}: {out}");
        }
    }

    #[test]
    fn html_prefers_a_cut_after_a_block() {
        let text = format!("<p>{}</p><p>{}</p>", "first paragraph ".repeat(3), "second ".repeat(30));
        let out = html(&text, 120);
        assert!(out.starts_with("<p>first paragraph first paragraph first paragraph </p><p><i>"), "{out}");
    }

    #[test]
    fn html_unterminated_markup_is_never_cut() {
        let text = format!("text {}<!-- a comment that never ends {}", "x ".repeat(10), "y".repeat(100));
        assert!(!html(&text, 80).contains("<!--"));
        let text = format!("text {}<a href='never closed {}", "x ".repeat(10), "y".repeat(100));
        assert!(!html(&text, 80).contains("<a"));
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        fn any_markup() -> impl Strategy<Value = Markup> {
            prop_oneof![Just(Markup::Plain), Just(Markup::Markdown), Just(Markup::Html)]
        }

        /// A string's characters up to `n`.
        fn first_chars(s: &str, n: usize) -> &str {
            s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
        }

        /// `out` without its note, and the number of characters the note says were left out
        /// (`None` for the bare `…`).
        fn strip_note(out: &str, markup: Markup) -> Option<(&str, Option<usize>)> {
            let (inner, opening) = match markup {
                Markup::Html => (out.strip_suffix("</i></p>"), "<p><i>… "),
                Markup::Markdown => (out.strip_suffix('_'), "_… "),
                Markup::Plain => (Some(out), "… "),
            };
            if let Some(inner) = inner
                && let Some(at) = inner.rfind(opening)
                && let Some(Ok(count)) = inner[at + opening.len()..].split(' ').next().map(str::parse)
            {
                return Some((&out[..at], Some(count)));
            }
            out.strip_suffix('…').map(|body| (body, None))
        }

        /// Whether `rest` is what may follow the kept prefix: closers and a separator.
        fn valid_closers(rest: &str, markup: Markup) -> bool {
            let rest = rest.trim_end_matches([' ', '\n']);
            match markup {
                Markup::Plain => rest.is_empty(),
                Markup::Markdown => rest.trim_start_matches('\n').chars().all(|c| c == '`' || c == '~'),
                Markup::Html => rest.split_inclusive('>').all(|t| t.starts_with("</") && t.ends_with('>')),
            }
        }

        /// Checks that `out` is a prefix of `text`, then closers, then a note.
        fn is_prefix_closers_note(out: &str, text: &str, markup: Markup) -> Result<(), String> {
            let (body, count) = strip_note(out, markup).ok_or("no note")?;
            let total = text.chars().count();
            let candidates: Vec<usize> = match count {
                Some(count) => vec![total.checked_sub(count).ok_or("count too large")?],
                None => (0..=total).rev().collect(),
            };
            let found = candidates.into_iter().any(|k| {
                let prefix = first_chars(text, k);
                body.strip_prefix(prefix).is_some_and(|rest| valid_closers(rest, markup))
            });
            if found { Ok(()) } else { Err(format!("{body:?} is not a prefix of the text and closers")) }
        }

        /// Markdown lines outside fenced blocks (fence lines excluded), and whether a block is
        /// still open at the end.
        fn outside_fences(text: &str) -> (Vec<&str>, bool) {
            let mut open: Option<(char, usize)> = None;
            let mut lines = Vec::new();
            for line in text.lines() {
                let mark = line.chars().next().filter(|c| *c == '`' || *c == '~');
                let len = mark.map_or(0, |m| line.chars().take_while(|&c| c == m).count());
                let rest = &line[len.min(line.len())..];
                let is_fence = len >= 3 && !(open.is_none() && mark == Some('`') && rest.contains('`'));
                match (is_fence, open, mark) {
                    (false, None, _) => lines.push(line),
                    (false, Some(_), _) => {}
                    (true, None, Some(m)) => open = Some((m, len)),
                    (true, Some((m, l)), Some(mark)) if m == mark && len >= l && rest.trim().is_empty() => open = None,
                    (true, _, _) => {}
                }
            }
            (lines, open.is_some())
        }

        /// Paired Markdown delimiters outside fenced blocks come in pairs.
        fn inline_balanced(text: &str) -> bool {
            let (lines, _) = outside_fences(text);
            lines.iter().all(|line| {
                let count = |c| line.matches(c).count();
                count('`') % 2 == 0
                    && count('*') % 2 == 0
                    && count('~') % 2 == 0
                    && count('[') == count(']')
                    && count('<') == count('>')
            })
        }

        /// Checks that every end tag closes the innermost open element, all are closed at the
        /// end, and no tag or entity is cut.
        fn html_is_balanced(html: &str) -> Result<(), String> {
            let mut stack: Vec<String> = Vec::new();
            let mut rest = html;
            while let Some(at) = rest.find(['<', '&']) {
                rest = &rest[at..];
                if rest.starts_with('&') {
                    let end = rest.find(';').ok_or(format!("cut entity: {rest:?}"))?;
                    if end == 1 || !rest[1..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '#') {
                        return Err(format!("cut entity: {rest:?}"));
                    }
                    rest = &rest[end + 1..];
                    continue;
                }
                let tag_end = find_tag_end(rest).ok_or(format!("cut tag: {rest:?}"))?;
                let tag = &rest[1..tag_end];
                rest = &rest[tag_end + 1..];
                let name: String =
                    tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect();
                if tag.starts_with('/') {
                    match stack.pop() {
                        Some(open) if open == name => {}
                        other => return Err(format!("</{name}> closes {other:?}")),
                    }
                } else if !VOID_ELEMENTS.contains(&name.as_str()) {
                    stack.push(name);
                }
            }
            if stack.is_empty() { Ok(()) } else { Err(format!("left open: {stack:?}")) }
        }

        fn find_tag_end(tag: &str) -> Option<usize> {
            let mut quote = None;
            for (i, c) in tag.char_indices() {
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, '"' | '\'') => quote = Some(c),
                    (None, '>') => return Some(i),
                    _ => {}
                }
            }
            None
        }

        fn words() -> impl Strategy<Value = String> {
            let word = prop_oneof![
                6 => "[a-z]{1,8}",
                1 => Just("é".to_string()),
                1 => Just("🚨".to_string()),
                1 => Just("&amp;".to_string()),
            ];
            prop::collection::vec(word, 0..6).prop_map(|w| w.join(" "))
        }

        #[derive(Debug, Clone)]
        enum Node {
            Text(String),
            Element(&'static str, Option<&'static str>, Vec<Node>),
            Void(&'static str),
        }

        fn render(node: &Node, out: &mut String) {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Void(name) => out.push_str(&format!("<{name}>")),
                Node::Element(name, attr, children) => {
                    match attr {
                        Some(v) => out.push_str(&format!("<{name} title=\"{v}\">")),
                        None => out.push_str(&format!("<{name}>")),
                    }
                    children.iter().for_each(|c| render(c, out));
                    out.push_str(&format!("</{name}>"));
                }
            }
        }

        fn html_tree() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                4 => words().prop_map(Node::Text),
                1 => Just(Node::Text("a &lt; b\n".to_string())),
                1 => prop_oneof![Just("br"), Just("img"), Just("hr")].prop_map(Node::Void),
            ];
            let tree = leaf.prop_recursive(5, 60, 5, |inner| {
                let name = prop_oneof![Just("b"), Just("i"), Just("p"), Just("div"), Just("a"), Just("code")];
                let attr = prop::option::of(prop_oneof![Just("x > y"), Just("it's")]);
                (name, attr, prop::collection::vec(inner, 0..5)).prop_map(|(n, a, c)| Node::Element(n, a, c))
            });
            prop::collection::vec(tree, 1..4).prop_map(|nodes| {
                let mut out = String::new();
                nodes.iter().for_each(|n| render(n, &mut out));
                out
            })
        }

        fn markdown_text() -> impl Strategy<Value = String> {
            let line = prop_oneof![
                Just("```".to_string()),
                Just("```rust".to_string()),
                Just("~~~".to_string()),
                Just(String::new()),
                Just("`inline code` and *bold text* here".to_string()),
                Just("a <https://x.example/a|link text> b".to_string()),
                Just("[link text](https://x.example/b) _it is_ ~gone~".to_string()),
                Just("**double** __under__ `` two `ticks` ``".to_string()),
                Just("```inline block``` and more".to_string()),
                Just("```a`b c d".to_string()),
                words(),
            ];
            prop::collection::vec(line, 0..15).prop_map(|l| l.join("\n"))
        }

        proptest! {
            #[test]
            fn never_longer_than_the_limit(text in ".{0,300}", max in 0usize..320, markup in any_markup()) {
                let out = truncate(&text, max, markup);
                prop_assert!(out.chars().count() <= max);
                if text.chars().count() <= max {
                    prop_assert_eq!(out.as_ref(), text.as_str());
                }
            }

            #[test]
            fn result_is_prefix_closers_and_note(
                text in prop_oneof![markdown_text(), html_tree(), "(.|\n){0,300}"],
                max in 0usize..300,
                markup in any_markup(),
            ) {
                let out = truncate(&text, max, markup);
                if out.as_ref() != text
                    && max > 0
                    && let Err(e) = is_prefix_closers_note(&out, &text, markup)
                {
                    return Err(TestCaseError::fail(format!("{e}\nout {out:?}\ntext {text:?}")));
                }
            }

            #[test]
            fn markdown_fences_stay_balanced(text in markdown_text(), max in 0usize..400) {
                let out = truncate(&text, max, Markup::Markdown);
                prop_assert!(out.chars().count() <= max);
                if out.as_ref() != text {
                    prop_assert!(!outside_fences(&out).1, "fence left open: {:?}", out);
                }
            }

            #[test]
            fn markdown_inline_constructs_stay_whole(text in markdown_text(), max in 0usize..400) {
                let out = truncate(&text, max, Markup::Markdown);
                if inline_balanced(&text) {
                    prop_assert!(inline_balanced(&out), "{:?}", out);
                }
            }

            #[test]
            fn html_stays_balanced(text in html_tree(), max in 0usize..500) {
                let out = truncate(&text, max, Markup::Html);
                prop_assert!(out.chars().count() <= max);
                if let Err(e) = html_is_balanced(&out) {
                    return Err(TestCaseError::fail(format!("{e}\nin {out:?}\nfrom {text:?}")));
                }
            }
        }
    }
}
