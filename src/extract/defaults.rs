//! The default patterns of `[extract]`, exactly as `config.toml` documents them (a test in
//! `config` checks that the two agree). Kept apart from the logic so each reads on its own.

pub(super) const LIST_MARKER_PATTERN: &str = r#"^\s*(?:[•◦▪‣●■►▶✓✔]\s*|[–—*+-]\s+|\d{1,3}[.)]\s+)"#;
pub(super) const WIDGET_PATTERNS: &[&str] = &[
    r#"(?i)^listen to (?:this|the) (?:article|story)\b[^.!?]{0,40}$"#,
    r#"(?i)^loading(?: audio| player)?\s*(?:\.{2,}|…)?$"#,
    r#"(?i)^(?:audio|media) playback is (?:not |un)supported on your device\.?$"#,
    r#"(?i)^your browser does not support the (?:audio|video) (?:element|tag)\.?$"#,
    r#"(?i)^(?:play|pause|mute|unmute|replay|stop)$"#,
    r#"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*/\s*\d{1,2}:\d{2}(?::\d{2})?)?$"#,
    r#"(?i)^(?:audio )?(?:powered|voiced|narrated) by [^.!?]{1,40}$"#,
];
pub(super) const VIDEO_LABEL_PATTERNS: &[&str] = &[
    r#"(?i)^(?:watch|video)\b[^.!?]{0,120}$"#,
    r#"(?i)^(?:media|video) caption"#,
    r#"(?i)^(?:play|replay|watch) (?:the )?video\b"#,
];
pub(super) const RELATED_LABEL_PATTERNS: &[&str] = &[
    r#"(?i)^(?:read more|read next|see also|also read|up next|in other news|what to read next)\s*:?$"#,
    r#"(?i)^related(?: (?:stories|articles|topics|content|links|coverage|reading|posts|news))?\s*:?$"#,
    r#"(?i)^more (?:on this (?:story|topic)|stories|articles|news|headlines|videos|like this)\s*:?$"#,
    r#"(?i)^more (?:from|in|on)\b[^.!?:]{1,40}:?$"#,
    r#"(?i)^(?:you (?:might|may) also (?:like|enjoy)(?:\.{3}|…)?|recommended(?: (?:for you|stories|reading|videos))?|editor.?s picks|top stories)\s*:?$"#,
    r#"(?i)^(?:most (?:read|popular|viewed|shared|watched)(?: (?:in|on|from) [^.!?:]{1,30})?|trending(?: now| stories)?|popular (?:now|stories)|latest (?:news|stories|videos))\s*:?$"#,
];
pub(super) const PROMO_PATTERNS: &[&str] = &[
    r#"(?i)^(?:read more|read next|read also|also read|more|related|see also|watch more|recommended|trending|most read|don.t miss)\s*[:|>»›–—-]+\s*\S"#,
    r#"(?i)^[^.!?]{0,80}\bsign(?:ing)?[ -]?up\b[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^.{0,120}[.!?]\s+sign(?:ing)?[ -]?up\b[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^.{0,120}[.!?]\s+subscribe\b[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,40}[.!]?$"#,
    r#"(?i)^[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,80}\bsign[ -]?up\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^subscribe (?:to|now|today|for|and)\b[^.!?]{0,100}[.!]?$"#,
    r#"(?i)^(?:click|tap) here\b[^.!?]{0,100}[.!]?$"#,
    r#"(?i)^(?:follow|like) us on\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^(?:download|get) (?:our|the) (?:free )?app\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^(?:have|got) a (?:news )?(?:tip|story)\b.{0,160}$"#,
];
pub(super) const FURNITURE_PATTERNS: &[&str] = &[
    r#"(?i)^(?:advertisement|advert|ad|sponsored(?: content)?|promoted|paid (?:content|post)|partner content)$"#,
    r#"(?i)^share(?: this)?(?: (?:story|article|page|post))?(?:\s*(?:on|via)\s+\S.{0,30})?\s*:?$"#,
    r#"(?i)^(?:click|tap) to (?:share|email|print|copy)\b.{0,60}$"#,
    r#"(?i)^(?:\d+ )?comments?$"#,
    r#"(?i)^(?:view|show|read|leave|post|add) (?:a |all |your )?comments?$"#,
    r#"(?i)^join the (?:conversation|discussion)$"#,
    r#"(?i)^(?:comments are (?:subject to|moderated|closed)\b[^!?]{0,160}|(?:blog )?comments powered by \S+)$"#,
    r#"(?i)^(?:email|e-mail|facebook|twitter|x|whatsapp|linkedin|pinterest|reddit|messenger|flipboard|telegram|print|copy link)$"#,
    r#"(?i)^(?:tags?|topics?|filed under)\s*:.{0,120}$"#,
    r#"(?i)^(?:tags|tagged|filed under)\s+[^.!?]{1,300}$"#,
    r#"^[—–-]\s*[^()]{1,80}\(@[\w.]{1,30}\)\s*(?:\S.{0,40})?$"#,
];
pub(super) const DATELINE_PATTERNS: &[&str] = &[
    r#"(?xi) ^
    (?: (?:first\s+published|published|posted|last\s+updated|updated|modified) (?:\s+on)? \s*:?\s* )?
    (?P<published>
        (?: (?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s )?
        (?: \d{1,2}(?:st|nd|rd|th)?\s(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s\d{4}
          | (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s\d{1,2}(?:st|nd|rd|th)?,?\s\d{4}
          | \d{4}-\d{2}-\d{2} )
        (?: (?:\s*[,•·|]\s*|\s+) (?:at\s+)? \d{1,2}[:.]\d{2} (?:\s?[ap]\.?m\.?)? (?-i:\s[A-Z]{2,4}\b)? )?
    )
    (?: \s*[|•·,–—-]\s*
        (?: (?:last\s+updated|updated|modified) (?:\s+on)? \s*:?\s* )
        (?P<modified>
            (?: (?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s )?
            (?: \d{1,2}(?:st|nd|rd|th)?\s(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s\d{4}
              | (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s\d{1,2}(?:st|nd|rd|th)?,?\s\d{4}
              | \d{4}-\d{2}-\d{2} )?
            (?: (?:\s*[,•·|]\s*|\s*) (?:at\s+)? \d{1,2}[:.]\d{2} (?:\s?[ap]\.?m\.?)? (?-i:\s[A-Z]{2,4}\b)? )?
        )
    )?
    \s* $"#,
    r#"(?i)^(?:published|posted|updated)?\s*:?\s*\d+ (?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?) ago$"#,
    r#"(?i)^(?:published|posted|updated)(?: at| on)?\s*:?\s*\d{1,2}[:.]\d{2}\s*[ap]\.?m\.?(?:\s+[a-z]{2,4})?\.?$"#,
];
pub(super) const BYLINE_PATTERNS: &[&str] = &[
    r#"(?x) ^
    (?i: by | written\s+by | words\s+by | posted\s+by | reporting\s+by | author\s*: ) \s*:?\s+
    (?P<authors>
        \p{Lu}[\p{L}'’.-]* (?: \s+ (?: \p{Lu}[\p{L}'’.-]* | (?:de|da|van|von|der|den|la|le|di|du|del|al|bin)\b ) )*
        (?: (?: \s*,\s* | \s+(?i:and)\s+ | \s*&\s* )
            \p{Lu}[\p{L}'’.-]* (?: \s+ (?: \p{Lu}[\p{L}'’.-]* | (?:de|da|van|von|der|den|la|le|di|du|del|al|bin)\b ) )* )*
    )
    (?: \s*[|•–—-]\s*[^.!?|•]{0,80} )?
    $"#,
    r#"(?i)^by:?$"#,
];
pub(super) const CAPTION_PATTERNS: &[&str] = &[
    r#"(?i)^(?:image|photo|picture)?\s*caption"#,
    r#"(?i)^(?:image|photo|picture|slide)\s+\d+\s+(?:of|/)\s+\d+\b"#,
    r#"^\d{1,3}\s*/\s*\d{1,3}(?:$|\p{Lu})"#,
];
pub(super) const CREDIT_PATTERNS: &[&str] = &[
    r#"(?:Picture|Pic|Photograph|Photo|Image|Credit|PICTURE|PIC|PHOTO|IMAGE|CREDIT)s?\s*:\s*(?:[^.!?]|\p{Lu}\.){1,80}$"#,
    r#"\((?:[^()]{0,60}\b)?(?:Photo|Picture|Pic|Image|Credit|Getty Images|Getty|Shutterstock|Alamy|Reuters|AFP|AP|PA|EPA|Rex|Bloomberg|iStock)\b[^()]{0,60}\)\s*$"#,
    r#"(?i)^(?:image|photo|picture)?\s*(?:copyright|©|\(c\))(?:\s+[^.!?]{0,60})?$"#,
    r#"©\s*[^.!?©]{1,80}$"#,
    r#"(?i)^(?:photo|photograph|picture|image)s?\s+(?:by|courtesy(?:\s+of)?)\s+[^.!?]{1,60}$"#,
    r#"^(?:\p{Lu}[\p{L}&.-]*\s+){0,4}(?:via\s+|for\s+)?(?:Getty Images|Getty|Shutterstock|Alamy(?: Stock Photo)?|Reuters|AFP|AP|PA(?: Media| Wire| Archive)?|EPA(?:-EFE)?|Rex(?: Features)?|Bloomberg|Associated Press|Press Association|iStock(?:photo)?|NurPhoto|Anadolu(?: Agency)?|Xinhua|ZUMA(?: Press)?|SOPA Images)(?:\s*/\s*[^.!?/]{1,40})?$"#,
];
