//! The form of a bcrypt hash, as triage's bcrypt verifier accepts it.

/// Whether `s` looks like a bcrypt hash triage can verify: `$2a$`, `$2b$`, `$2x$` or `$2y$`,
/// a two-digit cost from 04 to 31, `$`, then 53 characters of bcrypt's base64 alphabet
/// (`./A-Za-z0-9`: 22 of salt and 31 of hash); 60 characters in all, like
/// `htpasswd -B` and Alertmanager's documentation produce. Anything else could never match a
/// password, so it is refused when the file is loaded rather than at every login.
pub fn is_bcrypt_hash(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 60 || !b.starts_with(b"$2") || b[3] != b'$' || b[6] != b'$' {
        return false;
    }
    let version = matches!(b[2], b'a' | b'b' | b'x' | b'y');
    let cost = std::str::from_utf8(&b[4..6]).ok().filter(|c| c.bytes().all(|d| d.is_ascii_digit()));
    let cost_ok = cost.and_then(|c| c.parse::<u32>().ok()).is_some_and(|c| (4..=31).contains(&c));
    let alphabet = b[7..].iter().all(|&c| c == b'.' || c == b'/' || c.is_ascii_alphanumeric());
    version && cost_ok && alphabet
}

#[cfg(test)]
mod tests {
    use super::is_bcrypt_hash;

    #[test]
    fn accepts_the_four_versions_and_refuses_everything_else() {
        let body = "abcdefghijklmnopqrstuu5Jq1J3mL2Vn1xH1w2pbzWqZ3KQ2O.12";
        assert_eq!(body.len(), 53);
        for v in ["2a", "2b", "2x", "2y"] {
            assert!(is_bcrypt_hash(&format!("${v}$10${body}")), "{v}");
        }
        assert!(is_bcrypt_hash(&format!("$2y$04${body}")) && is_bcrypt_hash(&format!("$2y$31${body}")));
        let refused = [
            String::new(),
            "plain".into(),
            format!("$2y$10${}", &body[1..]),  // one short
            format!("$2y$10${body}x"),         // one long
            format!("$2z$10${body}"),          // unknown version
            format!("$2y$03${body}"),          // cost too low
            format!("$2y$32${body}"),          // cost too high
            format!("$2y$1a${body}"),          // cost not a number
            format!("$2y$10${}!", &body[1..]), // outside the alphabet
            format!("$2y$10${}é", &body[2..]), // non-ASCII, still 60 bytes
            format!("$1$10${body}x"),          // not bcrypt
        ];
        for s in refused {
            assert!(!is_bcrypt_hash(&s), "{s:?}");
        }
    }
}
