//! File-name style patterns: `*` for any run of characters, `?` for one. Used for log file
//! names and for the stat names of node rules (`disk.*.used_percent`).

/// Whether `name` matches `pattern`, where `*` stands for any run of characters (also none)
/// and `?` for exactly one character; every other character stands for itself.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // Where the last `*` was seen and the name position it currently covers up to.
    let mut last_star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                last_star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match last_star {
                Some((star, covered)) => {
                    last_star = Some((star, covered + 1));
                    p = star + 1;
                    n = covered + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_stars_and_question_marks() {
        assert!(name_matches("*.log", "node.log"));
        assert!(name_matches("*.log", ".log"));
        assert!(!name_matches("*.log", "node.log.1"));
        assert!(name_matches("node-?.log", "node-7.log"));
        assert!(!name_matches("node-?.log", "node-17.log"));
        assert!(name_matches("a*b*c", "aXXbYbc"));
        assert!(!name_matches("a*b*c", "aXXbYbd"));
        assert!(name_matches("*", ""));
        assert!(name_matches("exact", "exact"));
        assert!(!name_matches("exact", "exactly"));
        assert!(name_matches("ü?*", "üßx"));
    }
}
