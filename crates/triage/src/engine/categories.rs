//! Categories for alerts: the classifier in use, its model file watched for changes, and
//! the annotations it adds to notified alerts.
//!
//! Alerts are classified when they are notified, in the delivery task, not when they are
//! received, so neither ingestion nor the engine loop pays for it: each notified alert without a `category` label or annotation gets
//! `category` and `category_confidence` annotations (cached per fingerprint). A model file
//! that changes is loaded at the next check; one that cannot be read (missing, corrupt, of a
//! newer format) is reported in the log and `/metrics` and the previous model stays in use.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use parking_lot::Mutex;
use triage_core::classify::{Classifier, Input, Model};
use triage_core::config::classification::ClassificationConfig;
use triage_core::{Alert, Fingerprint, LabelSet};

/// Most cached classifications; the cache is emptied when full.
const MAX_CACHED: usize = 100_000;

/// The classifier in use.
#[derive(Default)]
pub struct Categories {
    /// `None` until first used (the default model trains on first use) or when disabled.
    classifier: ArcSwap<Option<Classifier>>,
    enabled: std::sync::atomic::AtomicBool,
    cache: Mutex<HashMap<Fingerprint, (String, f64)>>,
    /// The model file and the modification time of the version loaded.
    model_file: Mutex<Option<(PathBuf, Option<SystemTime>)>>,
    threshold: Mutex<f64>,
}

/// The text the classifier reads from an alert.
pub fn input_of(labels: &LabelSet, annotations: &LabelSet) -> Input {
    Input {
        alertname: labels.value("alertname").to_string(),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        summary: annotations.value("summary").to_string(),
        description: annotations.value("description").to_string(),
        subject: String::new(),
    }
}

impl Categories {
    /// Applies the `classification` section: loads its model file, or the default model.
    /// On a model file error the previous classifier stays and the error is returned.
    pub fn configure(&self, config: &ClassificationConfig) -> Result<(), String> {
        let enabled = config.enabled.unwrap_or(true);
        self.enabled.store(enabled, std::sync::atomic::Ordering::Relaxed);
        *self.threshold.lock() = config.threshold.unwrap_or(Classifier::DEFAULT_THRESHOLD);
        let file = config.model_file.as_ref().map(PathBuf::from);
        let changed = self.model_file.lock().as_ref().map(|(p, _)| p.clone()) != file;
        if changed {
            *self.model_file.lock() = file.clone().map(|p| (p, None));
            if file.is_none() {
                self.classifier.store(Arc::new(None));
            }
        }
        self.cache.lock().clear();
        if file.is_some() { self.reload_if_changed() } else { Ok(()) }
    }

    /// Loads the model file when it changed since it was loaded.
    pub fn reload_if_changed(&self) -> Result<(), String> {
        let Some((path, loaded)) = self.model_file.lock().clone() else { return Ok(()) };
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        if modified.is_some() && modified == loaded {
            return Ok(());
        }
        let result = std::fs::read(&path)
            .map_err(|e| format!("cannot read the model file {}: {e}", path.display()))
            .and_then(|bytes| Model::from_json(&bytes).map_err(|e| format!("model file {}: {e}", path.display())));
        match result {
            Ok(model) => {
                let version = format!("{:?}", model.header());
                let threshold = *self.threshold.lock();
                self.classifier.store(Arc::new(Some(Classifier::new(model).with_threshold(threshold))));
                *self.model_file.lock() = Some((path.clone(), modified));
                self.cache.lock().clear();
                tracing::info!(file = %path.display(), model = %version, "classification model loaded");
                Ok(())
            }
            Err(e) => {
                // Not retried until the file changes again.
                *self.model_file.lock() = Some((path, modified));
                Err(e)
            }
        }
    }

    fn classifier(&self) -> Option<Arc<Option<Classifier>>> {
        if !self.enabled.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let current = self.classifier.load_full();
        if current.is_some() {
            return Some(current);
        }
        let threshold = *self.threshold.lock();
        let default = triage_core::classify::default_model::default_classifier().with_threshold(threshold);
        self.classifier.store(Arc::new(Some(default)));
        Some(self.classifier.load_full())
    }

    /// Readies the classifier now (the default model trains on first use), so the first
    /// notification does not wait for it.
    pub fn warm(&self) {
        self.classifier();
    }

    /// The category and confidence of an alert's text.
    pub fn classify(&self, labels: &LabelSet, annotations: &LabelSet) -> Option<(String, f64)> {
        let classifier = self.classifier()?;
        let c = (*classifier).as_ref()?.classify(&input_of(labels, annotations));
        Some((c.category.as_str().to_string(), c.confidence))
    }

    /// Adds `category` and `category_confidence` to alerts that have no category.
    pub fn annotate(&self, alerts: &mut [Alert]) {
        for a in alerts {
            if a.labels.contains("category") || a.annotations.contains("category") {
                continue;
            }
            let fp = a.fingerprint();
            let cached = self.cache.lock().get(&fp).cloned();
            let Some((category, confidence)) = cached.or_else(|| {
                let c = self.classify(&a.labels, &a.annotations)?;
                let mut cache = self.cache.lock();
                if cache.len() >= MAX_CACHED {
                    cache.clear();
                }
                cache.insert(fp, c.clone());
                Some(c)
            }) else {
                return;
            };
            a.annotations.insert("category".into(), category.into());
            a.annotations.insert("category_confidence".into(), format!("{confidence:.2}").into());
        }
    }
}
