//! Words and terms from alert and ticket text.
//!
//! Words are runs of letters and digits, split further at CamelCase boundaries
//! (`KubePodCrashLooping` → `kube pod crash looping`, `HTTPRequestsHigh` → `http requests
//! high`), lower-cased. Snake and kebab case split at their separators like any other
//! punctuation. Template expressions (`{{ $labels.instance }}`), pure numbers, one-character
//! words and a short list of English stop words are dropped. Terms are the words plus the
//! bigrams of neighbouring words inside one field (a bigram never spans two fields).

/// English words too common to say anything about a category.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "by", "for", "from", "has", "have", "in", "is", "it", "its",
    "of", "on", "or", "than", "that", "the", "this", "to", "was", "were", "with",
];

/// The words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in without_templates(text).split(|c: char| !c.is_alphanumeric()) {
        if run.is_empty() {
            continue;
        }
        for part in split_camel_case(run) {
            let word = part.to_lowercase();
            if keep_word(&word) {
                out.push(word);
            }
        }
    }
    out
}

/// The terms of a document made of several fields: every word, then every bigram of
/// neighbouring words within a field (`"crash looping"`).
pub fn terms<S: AsRef<str>>(fields: &[S]) -> Vec<String> {
    let mut unigrams = Vec::new();
    let mut bigrams = Vec::new();
    for field in fields {
        let field_words = words(field.as_ref());
        for pair in field_words.windows(2) {
            bigrams.push(format!("{} {}", pair[0], pair[1]));
        }
        unigrams.extend(field_words);
    }
    unigrams.extend(bigrams);
    unigrams
}

fn keep_word(word: &str) -> bool {
    word.chars().count() > 1 && !word.chars().all(|c| c.is_ascii_digit()) && !STOP_WORDS.contains(&word)
}

/// `text` with every `{{ ... }}` template expression replaced by a space; an unclosed `{{`
/// keeps the rest of the text.
fn without_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        match rest[start..].find("}}") {
            Some(len) => {
                out.push_str(&rest[..start]);
                out.push(' ');
                rest = &rest[start + len + 2..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Splits one alphanumeric run at CamelCase boundaries: before an upper-case letter that
/// follows a lower-case letter or a digit, and before the last upper-case letter of an
/// acronym followed by a lower-case letter (`HTTPServer` → `HTTP`, `Server`); a run's single
/// lower-case first letter stays with what follows (`dCacheDown` → `dCache`, `Down`).
fn split_camel_case(run: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_is_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        // A single lower-case letter before a capital is a prefix, not a word (`dCache`).
        let lone_prefix = i == 1 && prev.is_lowercase();
        let boundary = c.is_uppercase()
            && !lone_prefix
            && ((prev.is_lowercase() || prev.is_ascii_digit()) || (prev.is_uppercase() && next_is_lower));
        if boundary {
            parts.push(&run[start..at]);
            start = at;
        }
    }
    parts.push(&run[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_splits() {
        assert_eq!(words("KubePodCrashLooping"), ["kube", "pod", "crash", "looping"]);
        assert_eq!(words("HTTPRequestsHigh"), ["http", "requests", "high"]);
        assert_eq!(words("unclosed {{ template"), ["unclosed", "template"]);
    }
}
