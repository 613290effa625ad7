//! The default patterns of `[extract]`, exactly as `config.toml` documents them (a test in
//! `config` checks that the two agree). Kept apart from the logic so each reads on its own.

pub(super) const LIST_MARKER_PATTERN: &str = r#"^\s*(?:[•◦▪‣●■►▶✓✔]\s*|[–—*+-]\s+|\d{1,3}[.)]\s+)"#;
pub(super) const WIDGET_PATTERNS: &[&str] = &[
    r#"(?i)^(?:listen to (?:this|the) (?:article|story)|(?:artikel|beitrag) (?:vorlesen|anhören)|vorlesen lassen|écouter (?:cet|l.)\s?article|escuchar? (?:la noticia|este artículo|el artículo)|ascolta (?:l.articolo|questo articolo)|ouvir (?:esta notícia|este artigo|a notícia)|прослушать (?:статью|новость))\b[^.!?]{0,40}$"#,
    r#"(?i)^loading(?: audio| player)?\s*(?:\.{2,}|…)?$"#,
    r#"(?i)^(?:audio|media) playback is (?:not |un)supported on your device\b.{0,200}$"#,
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
    r#"(?i)^(?:(?:previous|next) (?:article|post|story)|we recommend|further reading|keep reading|more from this author|read more from this author|about the authors?)\s*:?$"#,
    r#"(?i)^(?:tags|tagged|topics|filed under|keywords|categories|schlagw[öo]rter|schlagworte|stichw[öo]rter|themen|mots[- ]clés|sujets|étiquettes|etiquetas|temas|palabras clave|argomenti|tópicos|assuntos|теги|метки|темы|태그|키워드)\s*:?$"#,
    r#"(?i)^(?:ähnliche (?:beiträge|artikel|themen|nachrichten|rezepte)|das (?:könnte|dürfte) (?:sie|dich) auch interessieren|(?:lesen sie|lies) (?:auch|mehr|weiter)|auch interessant|weitere (?:artikel|beiträge|themen|nachrichten|meldungen|news|informationen|infos)|mehr (?:zum thema|zu diesem thema|informationen|infos|artikel|nachrichten)|schon gelesen\?|zum weiterlesen|weiterlesen|empfehlungen|beliebte (?:beiträge|artikel)|meistgelesen(?:e (?:artikel|beiträge))?|verwandte (?:artikel|beiträge|themen)|vorschau auf den nächsten artikel|(?:nächster|vorheriger) (?:artikel|beitrag)|über (?:den|die) autor(?:in)?|quellenangaben|quellen)\s*:?$"#,
    r#"(?i)^(?:à lire (?:aussi|également)|lire aussi|vous (?:aimerez|pourriez aimer) (?:aussi|également)|sur le même (?:sujet|thème)|articles? (?:similaires|liés|connexes|recommandés)|les plus lus|dans la même rubrique|voir aussi|en savoir plus|plus d.informations|à propos de l.auteur(?:e)?)\s*:?$"#,
    r#"(?i)^(?:(?:te|le) puede(?:n)? interesar|(?:también )?te puede interesar|(?:lee|lea) (?:también|además|más)|(?:noticias|artículos|temas|notas) relacionad[oa]s|lo más (?:leído|visto)|más (?:noticias|leídas|leído)|ver (?:también|más)|sobre el autor|más información|leia (?:também|mais)|veja (?:também|mais)|(?:notícias|artigos|matérias) relacionad[oa]s|mais lidas|sobre o autor|mais informações)\s*:?$"#,
    r#"(?i)^(?:leggi anche|potrebbe(?:ro)? interessarti|ti potrebbe(?:ro)? interessare|articoli correlati|notizie correlate|i più letti|vedi anche|sull.autore|maggiori informazioni|lees (?:ook|meer)|gerelateerde artikelen|meer nieuws|czytaj (?:też|także|więcej)|zobacz (?:też|także|również)|polecane|powiązane artykuły|ezek is érdekelhetnek|kapcsolódó cikkek)\s*:?$"#,
    r#"(?i)^(?:читайте (?:также|ещё|еще)|похожие (?:статьи|новости|материалы)|смотрите также|самое читаемое|по теме|об авторе|관련 ?기사|관련 ?뉴스|많이 본 뉴스|추천 기사)\s*:?$"#,
    r#"(?i)^(?:kontakt|contact|contact us|kontaktieren sie uns|impressum|imprint|contacto|contatti|contato)\s*:?$"#,
];
pub(super) const PROMO_PATTERNS: &[&str] = &[
    r#"(?i)^(?:read more|read next|read also|also read|more|related|see also|watch more|recommended|trending|most read|don.t miss)\s*[:|>»›–—-]+\s*\S"#,
    r#"(?i)^[^.!?]{0,80}\bsign(?:ing)?[ -]?up\b[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^.{0,120}[.!?]\s+sign(?:ing)?[ -]?up\b[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^.{0,120}[.!?]\s+subscribe\b(?:[^.!?]|\.\w){0,80}\bnewsletters?\b[^.!?]{0,40}[.!]?$"#,
    r#"(?i)^[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,80}\bsign[ -]?up\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^subscribe (?:to|now|today|for|and)\b[^.!?]{0,100}[.!]?$"#,
    r#"(?i)^(?:click|tap) here\b[^.!?]{0,100}[.!]?$"#,
    r#"(?i)^(?:follow|like) us on\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^(?:download|get) (?:our|the) (?:free )?app\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^(?:have|got) a (?:news )?(?:tip|story)\b.{0,160}$"#,
    r#"(?i)^(?:did you )?(?:like|enjoy|love)d? (?:this|the|our) (?:article|story|post|read)\s*\??$"#,
    r#"(?i)^(?:was|is) (?:this|the) (?:article|page|post|story|information) (?:helpful|useful)\s*\??"#,
    r#"(?i)^(?:hat (?:ihnen|dir) (?:der|dieser|das|dieses|die|diese) (?:artikel|beitrag|rezept|text|seite) gefallen|wie hat (?:ihnen|dir) (?:der|dieser|das|dieses|die|diese) (?:artikel|beitrag|rezept|text) gefallen|war (?:der|dieser|das|dieses|die|diese) (?:artikel|beitrag|text|seite|rezept) (?:hilfreich|nützlich)|(?:möchten sie|willst du) (?:den|diesen) (?:artikel|beitrag) teilen|lust auf mehr|cet article vous a-t-il (?:plu|été utile)|¿?te (?:ha )?gustó (?:este|el) artículo|¿?(?:fue|le fue|te fue) útil (?:este|el) artículo)\s*\??"#,
    r#"(?i)^[^.!?]{0,80}\b(?:newsletter|infolettre|boletín|boletim|рассылк[уа])\b[^.!?]{0,80}\b(?:abonnieren|anmelden|bestellen|s.inscrire|inscrivez-vous|abonnez-vous|suscr[ií]b(?:e|ete|irse)|reg[ií]strate|inscreva-se|assine|iscriviti|подпишитесь)\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^(?:jetzt )?(?:abonnieren|anmelden|inscrivez-vous|abonnez-vous|suscríbete|inscreva-se|iscriviti)\b[^.!?]{0,80}\b(?:newsletter|infolettre|boletín|boletim)\b[^.!?]{0,80}[.!]?$"#,
    r#"(?i)^(?:folgen sie uns|folge uns|suivez-nous|s[ií]guenos|seguici|siga-nos|sigue a \S+)\b[^.!?]{0,100}[.!]?$"#,
    r#"(?i)^sign ?up(?:\s*sign ?up)?\s*[.!]?$"#,
    r#"(?i)^.{0,200}\b(?:would like to keep you informed|please tick the box|(?:mailing list|newsletter) consent|consent terms)\b.{0,200}$"#,
    r#"(?i)^(?:lesen sie (?:auch|hier|mehr|weiter)|lies (?:auch|hier|mehr)|mehr (?:dazu|zum thema)|auch interessant|à lire aussi|lire aussi|lee también|leer más|lea también|leia também|leggi anche|читайте также)\s*[:|>»›–—-]+\s*\S"#,
    r#"(?i)^.{0,100}\b(?:unter|at|auf|on|sur|en|em|su|bei|via)\s*:?\s*(?:https?://\S+|www\.[\w-]+(?:\.[\w-]+)+(?:/\S*)?)\s*\.?$"#,
    r#"(?i)^[^.!?]{0,120}\b(?:(?:findest|findet) (?:du|ihr)|finden sie|erfahren sie mehr|erfährst du mehr|find out more|learn more|read more)\s+(?:hier|unter|here|at)\b[^.!?]{0,60}[.!]?$"#,
    r#"(?i)^(?:we want to hear (?:what you think|from you)|(?:submit|write) a letter to the editor|what do you think\?\s+(?:let us know|tell us|write to us))\b.{0,200}$"#,
];
pub(super) const FURNITURE_PATTERNS: &[&str] = &[
    r#"(?i)^(?:advertisement|advert|ad|sponsored(?: content)?|promoted|paid (?:content|post)|partner content|anzeige|werbung|publicité|publicidad|pubblicità|publicidade|реклама|광고|reklama|advertentie)$"#,
    r#"(?i)^share(?: this)?(?: (?:story|article|page|post))?(?:\s*(?:on|via)\s+\S.{0,30})?(?:\s+about sharing)?\s*:?$"#,
    r#"(?i)^(?:click|tap) to (?:share|email|print|copy)\b.{0,60}$"#,
    r#"(?i)^(?:\d+ )?comments?$"#,
    r#"(?i)^(?:view|show|read|leave|post|add) (?:a |all |your )?comments?$"#,
    r#"(?i)^join the (?:conversation|discussion)$"#,
    r#"(?i)^(?:comments are (?:subject to|moderated|closed)\b[^!?]{0,160}|(?:blog )?comments powered by \S+)$"#,
    r#"(?i)^(?:email|e-mail|facebook|twitter|x|whatsapp|linkedin|pinterest|reddit|messenger|flipboard|telegram|print|copy link)$"#,
    r#"(?i)^(?:tags?|topics?|filed under|categor(?:y|ies)|kategorien?|rubriken?|schlagw[öo]rter|schlagworte|stichw[öo]rter|themen|catégories?|mots[- ]clés|étiquettes|categorías?|etiquetas|temas|categorie|argomenti|categorias|tópicos|рубрик[аи]|теги|метки|카테고리|태그)\s*:.{0,120}$"#,
    r#"(?i)^(?:tags|tagged|filed under)\s+[^.!?]{1,300}$"#,
    r#"^[—–-]\s*[^()]{1,80}\(@[\w.]{1,30}\)\s*(?:\S.{0,40})?$"#,
    r#"(?i)^(?:teilen|artikel teilen|diesen artikel teilen|jetzt teilen|partager(?: (?:cet article|sur \S+))?|compartir(?: (?:en \S+|esta noticia|este artículo))?|condividi(?: (?:su \S+|questo articolo))?|compartilh(?:ar|e)|partilhar|поделиться|공유(?:하기)?)\s*:?$"#,
    r#"(?i)^(?:\d+\s+)?(?:kommentare?|kommentieren|kommentare? (?:schreiben|anzeigen|lesen)|commentaires?|commenter|comentarios?|comentar|commenti|commenta|comentários?|комментари[йи]|댓글)(?:\s*\(\d+\))?\s*:?$"#,
    r#"(?i)^(?:schreibe einen kommentar|kommentar (?:hinzufügen|verfassen|schreiben)|antwort (?:schreiben|verwerfen)|laisser un commentaire|deja (?:un|tu) comentario|lascia un commento|deixe (?:um|seu) comentário|leave a (?:comment|reply)|add a comment|post a comment)\b.{0,40}$"#,
    r#"(?i)^(?:as you comment|when (?:submitting|posting) (?:content|comments?|a comment)|please (?:be respectful|keep (?:it|comments) civil)|our (?:comment|community) (?:policy|guidelines))\b.{0,600}$"#,
    r#"(?i)^(?:you must be logged in to (?:post|leave) a comment|sie (?:sind|müssen) (?:aktuell |derzeit )?(?:nicht )?(?:eingeloggt|angemeldet)|sie müssen sich (?:einloggen|anmelden)|debes (?:iniciar sesión|estar registrado)|vous devez être connecté)\b.{0,160}$"#,
    r#"(?i)^\d[\d.,]*\s*[km]?\s*(?:views?|aufrufe|vues|visitas|visualizzazioni|visualizações|просмотр(?:ов|а)?|조회수?)$"#,
    r#"(?i)^(?:reading time|lesezeit|lesedauer|temps de lecture|tiempo de lectura|tempo de leitura|tempo di lettura|время чтения)\s*:?\s*(?:ca\.\s*)?\d+(?:\s*[-–]\s*\d+)?\s*(?:min(?:ute)?s?|minuten|minutos?|minuti|мин(?:ут[аы]?)?)\.?$"#,
    r#"(?i)^(?:ca\.\s*)?\d+(?:\s*[-–]\s*\d+)?\s*(?:min(?:ute)?s?|minuten|minutos?|minuti|мин(?:ут[аы]?)?)\.?\s+(?:read|reading|lesezeit|lesedauer|de lecture|de lectura|de leitura|di lettura|чтения)$"#,
    r#"(?i)^.{0,120}\b(?:all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados|tutti i diritti riservati|todos os direitos reservados|все права защищены)\.?$"#,
    r#"(?i)^.{0,200}\b(?:affiliate[ -]?(?:links?|commission|partner(?:s|programm?e?)?)|(?:may|might) (?:earn|receive) (?:a |an )?(?:small )?(?:affiliate )?commission)\b.{0,250}$"#,
    r#"(?i)^(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|info|io|eu|de|at|ch|fr|be|es|it|pt|nl|pl|ru|uk|us|ca|au|br|ar|mx|cl|pe|co)/?$"#,
    r#"(?i)^\(?(?:noch keine bewertungen?|no (?:ratings|reviews|votes) yet|be the first to (?:rate|review)[^.!?]{0,60}|sin valoraciones|aucun avis)\)?\.?(?:\s*loading\s*(?:\.{2,}|…)?)?$"#,
    r#"(?i)^(?:quelle|quellen|source|sources|fuente|fuentes|fonte|fonti|источник)\s*:.{1,150}$"#,
    r#"(?i)^.{0,200}\b(?:(?:veröffentlicht|published|lizenziert|licensed|available|distributed|steht|stehen|publié|publicado)\b.{0,60}\b(?:unter|under|sous|bajo)\b.{0,60}\b(?:lizenz|licen[cs]e|licencia))\b.{0,200}$"#,
    r#"(?i)^.{0,200}\b(?:the (?:views|opinions) expressed|n.engagent que (?:leurs?|son|ses) auteurs?|(?:gibt|geben) nicht (?:unbedingt |zwingend )?die meinung|las opiniones expresadas)\b.{0,300}$"#,
    r#"^[^|]{1,60}(?:\s\|\s[^|]{1,60}){2,}$"#,
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
    r#"(?i)^(?:(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira)\s*,?\s*)?\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:\s*[,|•·-]?\s*(?:um\s+|à\s+|a las\s+|alle\s+|às\s+)?\d{1,2}[:.h]\d{2}(?:\s*(?:uhr|h))?)?(?:\s*[|•·]\s*[^.!?|•·]{1,60})?$"#,
    r#"(?i)^(?:(?:veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado|pubblicato|aggiornato|atualizado)(?:\s+(?:am|le|el|em|il))?\s*:?\s*)?(?:(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira)\s*,?\s*)?\d{1,2}\.?\s*(?:de\s+)?(?:januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro)\.?\s*(?:de\s+)?\d{4}(?:\s*[,|•·-]?\s*(?:um\s+|à\s+|a las\s+|alle\s+|às\s+)?\d{1,2}[:.h]\d{2}(?:\s*(?:uhr|h))?)?(?:\s*[|•·]\s*[^.!?|•·]{1,60})?$"#,
    r#"(?i)^(?:(?:first\s+)?published|posted|updated|last\s+updated|modified|asked|answered|edited)?(?:\s+on)?\s*:?\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:\d{4},?\s+)?(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?\s*[;.]?$"#,
    r#"(?i)^(?:(?:asked|answered|edited|modified|posted|updated|active)\s+)?(?:(?:\d+|an?|one) (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?),?\s+)?(?:(?:\d+|an?|one) (?:months?|years?) ago|vor (?:\d+|einer?|einem) (?:sekunden?|minuten?|stunden?|tag(?:en)?|wochen?|monat(?:en)?|jahr(?:en)?)|il y a (?:\d+|une?) (?:secondes?|minutes?|heures?|jours?|semaines?|mois|ans?)|hace (?:\d+|una?) (?:segundos?|minutos?|horas?|días?|semanas?|mes(?:es)?|años?))$"#,
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
    r#"(?:Picture|Pic|Photograph|Photo|photo|Image|Credit|PICTURE|PIC|PHOTO|IMAGE|CREDIT|Foto|foto|FOTO|Bild|Bilder|Titelbild|Bildquelle|Crédits?(?: photo)?|Imagen|Fotografía|Immagine)s?\s*:\s*(?:[^.!?]|\p{Lu}\.){0,80}$"#,
    r#"\((?:[^()]{0,60}\b)?(?:Photo|Picture|Pic|Image|Credit|Getty Images|Getty|Shutterstock|Alamy|Reuters|AFP|AP|PA|EPA|Rex|Bloomberg|iStock)\b[^()]{0,60}\)\s*$"#,
    r#"(?i)^(?:image|photo|picture)?\s*(?:copyright|©|\(c\))(?:\s+[^.!?]{0,60})?$"#,
    r#"©\s*(?:[^.!?©]|\.\w){1,80}$"#,
    r#"(?i)^(?:photo|photograph|picture|image)s?\s+(?:by|courtesy(?:\s+of)?)\s+[^.!?]{1,60}$"#,
    r#"^(?:\p{Lu}[\p{L}&.-]*\s+){0,4}(?:[|/]\s*)?(?:via\s+|for\s+)?(?:Getty Images|Getty|Shutterstock|Alamy(?: Stock Photo)?|Reuters|AFP|AP|PA(?: Media| Wire| Archive)?|EPA(?:-EFE)?|Rex(?: Features)?|Bloomberg|Associated Press|Press Association|iStock(?:photo)?|NurPhoto|Anadolu(?: Agency)?|Xinhua|ZUMA(?: Press)?|SOPA Images|dpa|DPA|picture alliance|imago(?: images)?|IMAGO|Keystone|ANSA|EFE)(?:\s*/\s*[^.!?/]{1,40})?$"#,
    r#"^\(\s*\p{Lu}[\p{Lu}\p{N}\s.,&'’/-]{2,80}\)$"#,
];
