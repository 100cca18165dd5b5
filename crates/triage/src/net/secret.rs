//! Secrets given inline in the configuration or read from a `*_file` at each use, so a
//! rotated secret is picked up without a reload. Never printed.

use std::fmt;
use std::path::PathBuf;

use super::retry::DeliveryError;

/// Where a secret (a URL with a token, a password, an API token) comes from.
#[derive(Clone)]
pub enum SecretSource {
    /// Given in the configuration.
    Inline(String),
    /// Read from this file at each use; surrounding whitespace is dropped.
    File(PathBuf),
}

impl SecretSource {
    /// `inline` when set, else `file`; `None` when neither is.
    pub fn from_pair(inline: Option<&str>, file: Option<&str>) -> Option<SecretSource> {
        match (inline, file) {
            (Some(v), _) if !v.is_empty() => Some(SecretSource::Inline(v.to_string())),
            (_, Some(f)) if !f.is_empty() => Some(SecretSource::File(f.into())),
            _ => None,
        }
    }

    /// The secret now. A file that cannot be read is a permanent error: retrying will not help
    /// until someone fixes it.
    pub fn resolve(&self) -> Result<String, DeliveryError> {
        match self {
            SecretSource::Inline(u) => Ok(u.clone()),
            SecretSource::File(p) => std::fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .map_err(|e| DeliveryError::Permanent(format!("cannot read {}: {e}", p.display()))),
        }
    }
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Inline(_) => f.write_str("<secret>"),
            SecretSource::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_is_read_at_each_use_and_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        std::fs::write(&p, "one\n").unwrap();
        let s = SecretSource::from_pair(None, p.to_str()).unwrap();
        assert_eq!(s.resolve().unwrap(), "one");
        std::fs::write(&p, "two").unwrap();
        assert_eq!(s.resolve().unwrap(), "two");
        std::fs::remove_file(&p).unwrap();
        assert!(matches!(s.resolve(), Err(DeliveryError::Permanent(_))));
    }

    #[test]
    fn inline_wins_and_is_never_printed() {
        let s = SecretSource::from_pair(Some("token-123"), Some("/f")).unwrap();
        assert!(!format!("{s:?}").contains("token-123"));
        assert!(SecretSource::from_pair(Some(""), None).is_none());
    }
}
