//! Errors as the one line a user or a report reads.

/// `first`, then each cause under `source` that it does not already say, joined with ": ".
pub(crate) fn chain(mut text: String, mut source: Option<&dyn std::error::Error>) -> String {
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// An error and its sources on one line.
pub(crate) fn one_line(e: &dyn std::error::Error) -> String {
    chain(e.to_string(), e.source())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot narrate story.txt")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn causes_follow_the_error_once_each() {
        let e = Outer(std::io::Error::other("disk full"));
        assert_eq!(one_line(&e), "cannot narrate story.txt: disk full");
        let said = chain("disk full, so: cannot narrate".into(), Some(&e));
        assert_eq!(said, "disk full, so: cannot narrate: cannot narrate story.txt");
    }
}
