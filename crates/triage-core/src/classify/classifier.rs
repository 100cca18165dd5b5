//! The classifier: keyword rules first, then the model, then the confidence threshold.

use std::sync::Arc;

use super::category::Category;
use super::model::Model;
use super::rules::RuleSet;

/// Labels whose values say nothing about a category (identities, addresses, severities).
const IGNORED_LABELS: &[&str] =
    &["alertname", "severity", "instance", "pod", "pod_name", "uid", "id", "fingerprint", "replica", "prometheus"];

/// The text of one alert or ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    /// The alert name (`alertname` label); empty for a ticket.
    pub alertname: String,
    /// The labels, as name/value pairs; their values (except identities such as `instance`)
    /// are read as text.
    pub labels: Vec<(String, String)>,
    /// The `summary` annotation.
    pub summary: String,
    /// The `description` annotation, or a ticket's description.
    pub description: String,
    /// A ticket's subject; empty for an alert.
    pub subject: String,
}

impl Input {
    /// The text fields the rules and the model read: alert name, subject, summary,
    /// description, then each kept label value.
    pub fn fields(&self) -> Vec<&str> {
        let mut fields = vec![self.alertname.as_str(), self.subject.as_str(), self.summary.as_str()];
        fields.push(self.description.as_str());
        fields.extend(
            self.labels
                .iter()
                .filter(|(name, _)| !IGNORED_LABELS.contains(&name.to_ascii_lowercase().as_str()))
                .map(|(_, value)| value.as_str()),
        );
        fields
    }
}

/// What decided a classification.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The keyword rule of this name matched.
    Rule(String),
    /// The model's most likely category, at or above the threshold.
    Model,
    /// The model's most likely category was below the threshold, so the result is `other`.
    BelowThreshold {
        /// What the model would have said.
        predicted: Category,
    },
}

/// A category with a confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The category.
    pub category: Category,
    /// The probability the model gives its most likely category (softmax output, between 0
    /// and 1); 1 when a rule decided. Below the threshold the category is `other` and this
    /// is still the probability of the category the model would have chosen.
    pub confidence: f64,
    /// What decided.
    pub decided_by: Decision,
}

/// Sorts alerts and tickets into categories.
#[derive(Debug, Clone)]
pub struct Classifier {
    model: Arc<Model>,
    rules: RuleSet,
    threshold: f64,
}

impl Classifier {
    /// The confidence below which the model's answer becomes `other`.
    pub const DEFAULT_THRESHOLD: f64 = 0.25;

    /// A classifier using `model`, no rules and [`Self::DEFAULT_THRESHOLD`].
    pub fn new(model: Model) -> Self {
        Self::from_shared(Arc::new(model))
    }

    /// A classifier using a model shared with other classifiers, no rules and
    /// [`Self::DEFAULT_THRESHOLD`].
    pub fn from_shared(model: Arc<Model>) -> Self {
        Classifier { model, rules: RuleSet::default(), threshold: Self::DEFAULT_THRESHOLD }
    }

    /// The same classifier with keyword rules checked before the model.
    pub fn with_rules(mut self, rules: RuleSet) -> Self {
        self.rules = rules;
        self
    }

    /// The same classifier with another confidence threshold.
    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Classifies an alert or ticket.
    pub fn classify(&self, input: &Input) -> Classification {
        self.classify_fields(&input.fields())
    }

    /// Classifies a document given as text fields (as in a labelled CSV row).
    pub fn classify_fields<S: AsRef<str>>(&self, fields: &[S]) -> Classification {
        if let Some(rule) = self.rules.first_match(fields) {
            return Classification {
                category: rule.category(),
                confidence: 1.0,
                decided_by: Decision::Rule(rule.name().to_string()),
            };
        }
        let (predicted, confidence) = self.model.predict(fields);
        if confidence < self.threshold {
            Classification { category: Category::Other, confidence, decided_by: Decision::BelowThreshold { predicted } }
        } else {
            Classification { category: predicted, confidence, decided_by: Decision::Model }
        }
    }
}
