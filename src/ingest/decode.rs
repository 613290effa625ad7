//! Bytes to text: byte-order marks, binary detection, and the legacy encodings old CMS
//! exports still arrive in.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::IngestError;
use crate::model::SourceFormat;

/// How much of the input the binary check and the `<meta charset>` search look at.
const SAMPLE_BYTES: usize = 64 * 1024;
/// Where an HTML page must declare its charset (the HTML standard's prescan window).
const META_CHARSET_WINDOW: usize = 1024;

/// Decode `bytes` to UTF-8 text without a byte-order mark.
///
/// UTF-8 is tried first. Failing that, an HTML page's `<meta charset>` is honoured, and
/// anything else is read as windows-1252 (what "Latin-1" text almost always really is)
/// unless it holds bytes that encoding leaves undefined, in which case it is not text.
pub(super) fn decode(
    name: &str,
    bytes: &[u8],
    declared: Option<SourceFormat>,
) -> Result<String, IngestError> {
    decode_as(name, bytes, declared, None)
}

/// [`decode`], honouring first the charset an HTTP header declared, as browsers do (a
/// byte-order mark still wins). A charset the bytes do not fit is ignored.
pub(super) fn decode_as(
    name: &str,
    bytes: &[u8],
    declared: Option<SourceFormat>,
    charset: Option<&'static Encoding>,
) -> Result<String, IngestError> {
    // A UTF-16 BOM must be honoured before the binary check: UTF-16 text is full of NULs.
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(IngestError::NotText { name: name.to_owned() });
        }
        if looks_binary(text.as_bytes()) {
            return Err(IngestError::Binary { name: name.to_owned() });
        }
        return Ok(text.into_owned());
    }
    if looks_binary(bytes) {
        return Err(IngestError::Binary { name: name.to_owned() });
    }
    if let Some(encoding) = charset {
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok(text.into_owned());
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let may_be_html = declared.is_none_or(|f| f == SourceFormat::Html);
    let encoding = may_be_html
        .then(|| meta_charset(bytes))
        .flatten()
        .filter(|e| *e != UTF_8)
        .unwrap_or(WINDOWS_1252);
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let undefined = encoding == WINDOWS_1252 && text.chars().any(is_undefined_in_windows_1252);
    if had_errors || undefined {
        return Err(IngestError::NotText { name: name.to_owned() });
    }
    tracing::warn!(input = name, encoding = encoding.name(), "input is not UTF-8; decoded it");
    Ok(text.into_owned())
}

/// NUL bytes, or more than one byte in fifty a control character that text never holds.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(SAMPLE_BYTES)];
    // Binary formats put NULs in their header; a web page may carry a stray run of them
    // far down (a CMS padding a field), which browsers ignore.
    if sample[..sample.len().min(NUL_WINDOW)].contains(&0) {
        return true;
    }
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f)
        .count();
    controls * 50 > sample.len()
}

/// A NUL this near the start means binary data whatever follows.
const NUL_WINDOW: usize = 1024;

/// The five bytes windows-1252 leaves unassigned decode to these C1 controls; real text
/// in that encoding never contains them, so their presence means the guess was wrong.
fn is_undefined_in_windows_1252(c: char) -> bool {
    matches!(c, '\u{81}' | '\u{8d}' | '\u{8f}' | '\u{90}' | '\u{9d}')
}

/// The encoding named by `charset=` in the first kilobyte, as an HTML `<meta>` declares it.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes[..bytes.len().min(META_CHARSET_WINDOW)].to_ascii_lowercase();
    let at = head.windows(8).position(|w| w == b"charset=")? + 8;
    let label: Vec<u8> = head[at..]
        .iter()
        .skip_while(|&&b| b == b'"' || b == b'\'')
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
        .copied()
        .collect();
    Encoding::for_label(&label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> Result<String, IngestError> {
        decode("in.txt", bytes, None)
    }

    #[test]
    fn a_utf8_byte_order_mark_is_stripped() {
        assert_eq!(text(b"\xEF\xBB\xBFHello").unwrap(), "Hello");
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded_not_called_binary() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("Héllo\n".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(text(&bytes).unwrap(), "Héllo\n");
    }

    #[test]
    fn latin1_text_is_read_as_windows_1252() {
        assert_eq!(text(b"Caf\xE9 \x93quoted\x94").unwrap(), "Café \u{201c}quoted\u{201d}");
    }

    #[test]
    fn an_html_meta_charset_is_honoured_when_the_bytes_are_not_utf8() {
        let page = b"<html><head><meta charset=\"iso-8859-7\"></head><p>\xE1\xE2</p></html>";
        assert!(decode("p.html", page, None).unwrap().contains("αβ"));
    }

    #[test]
    fn a_charset_from_the_http_header_wins_over_guessing() {
        let sjis = b"\x93\xfa\x96\x7b\x8c\xea"; // 日本語 in Shift_JIS
        let shift_jis = Encoding::for_label(b"shift_jis");
        assert_eq!(decode_as("u", sjis, None, shift_jis).unwrap(), "日本語");
        let latin2 = Encoding::for_label(b"iso-8859-2");
        assert_eq!(decode_as("u", b"\xb1", None, latin2).unwrap(), "ą");
        assert_eq!(decode_as("u", b"\xb1", None, None).unwrap(), "±");
    }

    #[test]
    fn bytes_undefined_in_windows_1252_are_not_text() {
        let err = text(b"abc \x81\x8d def").unwrap_err();
        assert!(matches!(err, IngestError::NotText { .. }), "{err}");
    }

    #[test]
    fn nul_bytes_or_many_control_characters_mean_binary() {
        assert!(matches!(text(b"GIF89a\x00\x01"), Err(IngestError::Binary { .. })));
        let noisy: Vec<u8> = b"text\x01\x02\x03\x04".repeat(10);
        assert!(matches!(text(&noisy), Err(IngestError::Binary { .. })));
        assert!(text(b"tabs\tand\r\nform\x0cfeeds are text").is_ok());
    }

    #[test]
    fn a_page_with_a_stray_run_of_nuls_far_down_is_still_text() {
        let mut page = b"<html><body><p>".to_vec();
        page.extend(b"The council met on Tuesday. ".repeat(100));
        page.extend([0u8; 11]);
        page.extend(b"</p></body></html>");
        assert!(text(&page).is_ok());
    }
}
