//! Output names: safe path components, slugs, the `--out-template`, and collisions.

use std::collections::HashMap;

/// The longest path component we make, in characters: well under every filesystem's 255
/// bytes, with room for `.chapters.json` and a collision suffix.
const MAX_COMPONENT: usize = 100;

/// The template placeholders, for error messages.
pub const PLACEHOLDERS: &str = "{stem}, {dir}, {hash}";

/// `text` as one safe path component: letters, digits, `-`, `_` and `.` kept, anything else
/// (separators, `..`, control characters) turned into `-`, never empty, never hidden.
#[must_use]
pub fn component(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let keep = c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
        let c = if keep { c } else { '-' };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    let trimmed: String =
        out.trim_matches(|c| c == '-' || c == '.').chars().take(MAX_COMPONENT).collect();
    if trimmed.is_empty() { "article".to_owned() } else { trimmed }
}

/// A title as a URL-style slug: lowercase words joined by `-` ("Rates rise: what now?" →
/// `rates-rise-what-now`).
#[must_use]
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') && c != '\'' && c != '’' {
            out.push('-');
        }
    }
    let slug: String = out.trim_matches('-').chars().take(80).collect();
    slug.trim_end_matches('-').to_owned()
}

/// A short stable hash of an input id, for collision suffixes and `{hash}`.
#[must_use]
pub fn short_hash(id: &str) -> String {
    blake3::hash(id.as_bytes()).to_hex()[..8].to_owned()
}

/// Check a template before any work: it must name the file somehow, and only with known
/// placeholders.
///
/// # Errors
///
/// A message saying what is wrong.
pub fn check_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("--out-template {template:?} has an unclosed {{"));
        };
        let name = &rest[open..=open + close];
        if !matches!(name, "{stem}" | "{dir}" | "{hash}") {
            return Err(format!(
                "--out-template {template:?}: unknown placeholder {name}; use {PLACEHOLDERS}"
            ));
        }
        rest = &rest[open + close + 1..];
    }
    if !template.contains("{stem}") && !template.contains("{hash}") {
        return Err(format!(
            "--out-template {template:?} names every article the same; include {{stem}} or {{hash}}"
        ));
    }
    Ok(())
}

/// Fill in a template and make each `/`-separated part a safe component: the result is a
/// relative path of directories and a final file stem, never leaving the output directory.
#[must_use]
pub fn render(template: &str, stem: &str, dir: &str, id: &str) -> String {
    // The stem is one component whatever it holds; `{dir}` may hold several.
    let filled = template
        .replace("{stem}", &component(stem))
        .replace("{dir}", dir)
        .replace("{hash}", &short_hash(id));
    let parts: Vec<String> = filled
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .map(component)
        .collect();
    if parts.is_empty() { component(stem) } else { parts.join("/") }
}

/// Give every name shared by more than one id (ignoring case, for case-insensitive file
/// systems) the id's short hash as a suffix, so which one runs first never matters.
pub fn settle_collisions(names: &mut [(String, String)]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (name, _) in names.iter() {
        *counts.entry(name.to_lowercase()).or_default() += 1;
    }
    for (name, id) in names.iter_mut() {
        if counts[&name.to_lowercase()] > 1 {
            *name = format!("{name}-{}", short_hash(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_cannot_climb_out_hide_or_be_empty() {
        assert_eq!(component("../../etc/passwd"), "etc-passwd");
        assert_eq!(component(".bashrc"), "bashrc");
        assert_eq!(component("a b\u{0}c"), "a-b-c");
        assert_eq!(component(".."), "article");
        assert_eq!(component("Königsberg_2024.v2"), "Königsberg_2024.v2");
        assert_eq!(component(&"x".repeat(300)).len(), MAX_COMPONENT);
    }

    #[test]
    fn titles_become_lowercase_slugs() {
        assert_eq!(slug("Rates rise: what now?"), "rates-rise-what-now");
        assert_eq!(slug("Netflix's Heartstopper"), "netflixs-heartstopper");
        assert_eq!(slug("  — "), "");
    }

    #[test]
    fn templates_place_outputs_in_subdirectories_without_traversal() {
        assert_eq!(render("{stem}", "story", "", "a"), "story");
        assert_eq!(render("{dir}/{stem}", "story", "world/uk", "a"), "world/uk/story");
        assert_eq!(render("{dir}/{stem}", "story", "", "a"), "story");
        assert_eq!(render("../{stem}", "story", "", "a"), "story");
        assert_eq!(render("/abs/{stem}", "st/../ory", "", "a"), "abs/st-..-ory");
        assert_eq!(render("{hash}", "story", "", "a"), short_hash("a"));
    }

    #[test]
    fn a_template_must_name_each_article_with_known_placeholders() {
        assert!(check_template("{dir}/{stem}").is_ok());
        assert!(check_template("{hash}").is_ok());
        assert!(check_template("out").unwrap_err().contains("{stem}"));
        assert!(check_template("{title}").unwrap_err().contains("unknown placeholder {title}"));
    }

    #[test]
    fn colliding_names_all_get_a_suffix_from_their_id() {
        let mut names = vec![
            ("index".to_owned(), "a/index.html".to_owned()),
            ("Index".to_owned(), "b/index.html".to_owned()),
            ("other".to_owned(), "other.txt".to_owned()),
        ];
        settle_collisions(&mut names);
        assert_eq!(names[0].0, format!("index-{}", short_hash("a/index.html")));
        assert_eq!(names[1].0, format!("Index-{}", short_hash("b/index.html")));
        assert_eq!(names[2].0, "other");
    }
}
