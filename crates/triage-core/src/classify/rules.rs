//! Keyword rules: whole-word or phrase matches with explicit precedence, checked before the
//! model.
//!
//! Matching is on the words of [`super::tokenize::words`], so it is case-insensitive, whole
//! words only (`urgent` never matches `nonurgent`), and CamelCase alert names match phrases
//! (`crash looping` matches `KubePodCrashLooping`). A phrase never spans two fields. Rules are
//! tried by descending priority, then in declared order; the first rule that matches decides.
//! An `except` phrase covering the match cancels it, so a rule for `urgent` can be told not to
//! match inside `less urgent`.

use super::category::Category;
use super::tokenize::words;

/// A rule that could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A phrase has no words once tokenised (empty, punctuation, numbers or stop words only).
    #[error("rule {rule:?}: phrase {phrase:?} has no words")]
    EmptyPhrase {
        /// The rule's name.
        rule: String,
        /// The phrase as given.
        phrase: String,
    },
    /// A rule has no phrases at all.
    #[error("rule {0:?} has no phrases")]
    NoPhrases(String),
}

/// One keyword rule: any of its phrases, as whole words, puts text in its category.
#[derive(Debug, Clone, PartialEq)]
pub struct KeywordRule {
    name: String,
    category: Category,
    priority: i32,
    phrases: Vec<Vec<String>>,
    except: Vec<Vec<String>>,
}

impl KeywordRule {
    /// A rule named `name` putting text that contains any of `phrases` in `category`, with
    /// priority 0.
    pub fn new(name: &str, category: Category, phrases: &[&str]) -> Result<Self, RuleError> {
        if phrases.is_empty() {
            return Err(RuleError::NoPhrases(name.to_string()));
        }
        Ok(KeywordRule {
            name: name.to_string(),
            category,
            priority: 0,
            phrases: tokenised(name, phrases)?,
            except: Vec::new(),
        })
    }

    /// The same rule, cancelled wherever a match lies inside one of `phrases`.
    pub fn except(mut self, phrases: &[&str]) -> Result<Self, RuleError> {
        self.except.extend(tokenised(&self.name, phrases)?);
        Ok(self)
    }

    /// The same rule with another priority (higher is tried first).
    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// The rule's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The category the rule decides.
    pub fn category(&self) -> Category {
        self.category
    }

    /// Whether the rule matches a document whose fields are already split into words.
    fn matches_words(&self, fields: &[Vec<String>]) -> bool {
        fields.iter().any(|field| {
            self.phrases.iter().any(|phrase| {
                occurrences(field, phrase).any(|at| !self.except.iter().any(|ex| covers(field, ex, at, phrase.len())))
            })
        })
    }

    /// Whether the rule matches any of `fields`.
    pub fn matches<S: AsRef<str>>(&self, fields: &[S]) -> bool {
        let fields: Vec<Vec<String>> = fields.iter().map(|f| words(f.as_ref())).collect();
        self.matches_words(&fields)
    }
}

fn tokenised(rule: &str, phrases: &[&str]) -> Result<Vec<Vec<String>>, RuleError> {
    phrases
        .iter()
        .map(|p| {
            let w = words(p);
            if w.is_empty() {
                Err(RuleError::EmptyPhrase { rule: rule.to_string(), phrase: (*p).to_string() })
            } else {
                Ok(w)
            }
        })
        .collect()
}

/// Start positions of `phrase` in `field`.
fn occurrences<'a>(field: &'a [String], phrase: &'a [String]) -> impl Iterator<Item = usize> + 'a {
    let last = (field.len() + 1).saturating_sub(phrase.len());
    (0..last).filter(move |&i| field[i..i + phrase.len()] == *phrase)
}

/// Whether an occurrence of `outer` in `field` covers the span `at..at + len`.
fn covers(field: &[String], outer: &[String], at: usize, len: usize) -> bool {
    occurrences(field, outer).any(|start| start <= at && at + len <= start + outer.len())
}

/// Keyword rules in precedence order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSet {
    rules: Vec<KeywordRule>,
}

impl RuleSet {
    /// A rule set trying `rules` by descending priority, then in the given order.
    pub fn new(mut rules: Vec<KeywordRule>) -> Self {
        rules.sort_by_key(|r| std::cmp::Reverse(r.priority));
        RuleSet { rules }
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule, in precedence order, matching any of `fields`.
    pub fn first_match<S: AsRef<str>>(&self, fields: &[S]) -> Option<&KeywordRule> {
        if self.rules.is_empty() {
            return None;
        }
        let fields: Vec<Vec<String>> = fields.iter().map(|f| words(f.as_ref())).collect();
        self.rules.iter().find(|r| r.matches_words(&fields))
    }
}
