//! "Did you mean ...?" for a mistyped name: the valid names closest to it.

/// The candidates near enough to `typed` to be what was meant, the nearest ones
/// only. Case, underscores and `r#` are ignored. Near enough: one edit per three
/// characters typed (at least one, at most three), and fewer edits than the
/// shorter name has characters, so that `x` does not suggest `a`.
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let typed_len = typed.trim_start_matches("r#").chars().count();
    let limit = (typed_len / 3).clamp(1, 3);
    let typed = normalized(typed);
    let mut best: Vec<&str> = Vec::new();
    let mut best_distance = usize::MAX;
    for candidate in candidates {
        let normal = normalized(candidate);
        let distance = distance(&typed, &normal);
        let shortest = typed.len().min(normal.len());
        if distance > limit || distance >= shortest.max(1) || distance > best_distance {
            continue;
        }
        if distance < best_distance {
            best.clear();
            best_distance = distance;
        }
        if !best.contains(&candidate) {
            best.push(candidate);
        }
    }
    best
}

/// `did you mean `a`?` (or `` `a` or `b` ``) for the nearest candidates, if any.
pub fn did_you_mean<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let nearest = nearest(typed, candidates);
    if nearest.is_empty() {
        return None;
    }
    Some(format!("did you mean {}?", quoted(&nearest, "or")))
}

/// `` `a` ``, `` `a` or `b` ``, `` `a`, `b` and `c` ``: names for a message.
pub fn quoted(names: &[&str], last_joint: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {last_joint} {last}", rest.join(", ")),
    }
}

fn normalized(name: &str) -> Vec<char> {
    name.trim_start_matches("r#")
        .chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`:
/// the optimal string alignment distance.
fn distance(a: &[char], b: &[char]) -> usize {
    // Three rows of the table: two back (for swaps), the previous, the current.
    let mut two_back: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let replace = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + replace);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(two_back[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut two_back, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: [&str; 6] = ["name", "kind", "skip", "skip_all", "record_err", "parent"];

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distance_counts_each_kind_of_edit_once() {
        assert_eq!(distance(&chars("name"), &chars("name")), 0);
        assert_eq!(distance(&chars("nam"), &chars("name")), 1);
        assert_eq!(distance(&chars("namee"), &chars("name")), 1);
        assert_eq!(distance(&chars("nabe"), &chars("name")), 1);
        assert_eq!(distance(&chars("nmae"), &chars("name")), 1);
        assert_eq!(distance(&chars(""), &chars("name")), 4);
        assert_eq!(distance(&chars("kitten"), &chars("sitting")), 3);
    }

    #[test]
    fn near_misses_find_the_option() {
        assert_eq!(nearest("skipp", OPTIONS), ["skip"]);
        assert_eq!(nearest("parnet", OPTIONS), ["parent"]);
        assert_eq!(nearest("kind_", OPTIONS), ["kind"]);
        assert_eq!(nearest("record_error", OPTIONS), ["record_err"]);
        assert_eq!(nearest("skipall", OPTIONS), ["skip_all"]);
    }

    #[test]
    fn case_and_raw_prefix_are_ignored() {
        assert_eq!(nearest("Skip", OPTIONS), ["skip"]);
        assert_eq!(nearest("RecordErr", OPTIONS), ["record_err"]);
        assert_eq!(nearest("r#kind", OPTIONS), ["kind"]);
    }

    #[test]
    fn far_or_unrelated_names_find_nothing() {
        assert!(nearest("x", ["a", "b"]).is_empty());
        assert!(nearest("level", OPTIONS).is_empty());
        assert!(nearest("foo", ["off"]).is_empty());
    }

    #[test]
    fn ties_are_all_suggested() {
        assert_eq!(nearest("rot", ["root", "ret"]), ["root", "ret"]);
        assert_eq!(
            did_you_mean("rot", ["root", "ret"]).as_deref(),
            Some("did you mean `root` or `ret`?")
        );
    }

    #[test]
    fn names_are_listed_with_their_joint() {
        assert_eq!(quoted(&["a"], "and"), "`a`");
        assert_eq!(quoted(&["a", "b"], "and"), "`a` and `b`");
        assert_eq!(quoted(&["a", "b", "c"], "and"), "`a`, `b` and `c`");
    }
}
