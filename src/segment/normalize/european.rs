//! German, French, Spanish and Portuguese.

use super::Lang;

pub(crate) fn normalize(_s: &mut String, _lang: Lang) {}
