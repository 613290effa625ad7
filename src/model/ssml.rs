//! SSML escaping: article text can never inject markup or break a request.

/// Escape text for use inside an SSML element: `&`, `<`, `>`, `"` and `'` become entities, and
/// characters XML 1.0 forbids (most C0 controls) are dropped.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Wrap already-escaped SSML content in a `<speak>` root.
#[must_use]
pub fn wrap(escaped: &str, language: Option<&str>) -> String {
    match language {
        Some(lang) => format!(
            "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" \
             xml:lang=\"{}\">{escaped}</speak>",
            escape(lang)
        ),
        None => format!(
            "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\">{escaped}</speak>"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            escape(r#"<break time="10s"/> & 'x'"#),
            "&lt;break time=&quot;10s&quot;/&gt; &amp; &apos;x&apos;"
        );
    }

    #[test]
    fn escaped_text_contains_no_markup_delimiters() {
        let hostile = "</speak><audio src='http://evil'/>&amp;\u{0}";
        let out = escape(hostile);
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('\u{0}'));
        assert!(!out.contains("&amp;amp") || out.contains("&amp;amp;"));
    }

    #[test]
    fn wrap_declares_the_language() {
        assert!(wrap("hi", Some("en-GB")).contains("xml:lang=\"en-GB\">hi</speak>"));
    }
}
