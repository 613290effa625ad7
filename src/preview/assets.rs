//! The preview page's own files, compiled into the binary; the player it embeds is
//! [`crate::publish::player`]'s.

/// The preview page's own script: the skipped-block toggle, and reloading on re-narration.
pub(super) const PREVIEW_JS: &str = include_str!("assets/preview.js");
/// The preview page's stylesheet.
pub(super) const PREVIEW_CSS: &str = include_str!("assets/preview.css");
/// The preview page's icon.
pub(super) const ICON_SVG: &str = include_str!("assets/icon.svg");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_page_loads_nothing_from_other_sites() {
        for asset in [PREVIEW_JS, PREVIEW_CSS, ICON_SVG] {
            // The SVG namespace is a name, never fetched.
            let asset = asset.replace("http://www.w3.org/2000/svg", "");
            assert!(!asset.contains("://") && !asset.contains("@import"), "{asset}");
            assert!(!asset.contains("innerHTML"), "markup is built with the DOM, never parsed");
        }
    }
}
