//! French, Spanish and Portuguese number words. French cardinals come from `num2words`;
//! Spanish and Portuguese, which no maintained crate covers, are written out here.

use num2words::{Lang as N2wLang, Num2Words};

use super::{Tongue, Words};

/// French.
pub(crate) struct French;
/// Spanish.
pub(crate) struct Spanish;
/// Portuguese, European or Brazilian.
pub(crate) struct Portuguese {
    pub(crate) brazil: bool,
}

/// Nouns a number before them agrees with in the feminine ("une personne", "doscientas
/// personas", "duas pessoas").
const FEMININE: &[&str] = &[
    "personne",
    "personnes",
    "heure",
    "heures",
    "semaine",
    "semaines",
    "année",
    "années",
    "fois",
    "victime",
    "victimes",
    "femme",
    "femmes",
    "tonne",
    "tonnes",
    "livre",
    "livres",
    "minute",
    "minutes",
    "seconde",
    "secondes",
    "place",
    "places",
    "persona",
    "personas",
    "hora",
    "horas",
    "semana",
    "semanas",
    "vez",
    "veces",
    "mujer",
    "mujeres",
    "víctima",
    "víctimas",
    "tonelada",
    "toneladas",
    "libra",
    "libras",
    "vivienda",
    "viviendas",
    "pessoa",
    "pessoas",
    "mulher",
    "mulheres",
    "vítima",
    "vítimas",
    "casa",
    "casas",
    "página",
    "páginas",
    "escola",
    "escolas",
    "empresa",
    "empresas",
    "crianças",
    "criança",
];
/// Words a Spanish "uno" does not shorten before ("uno de ellos").
const NOT_NOUNS_ES: &[&str] =
    &["de", "y", "o", "a", "en", "por", "para", "del", "al", "con", "que", "entre"];

impl Tongue for French {
    fn cardinal(&self, n: u64) -> String {
        i64::try_from(n)
            .ok()
            .and_then(|n| Num2Words::new(n).lang(N2wLang::French).to_words().ok())
            .unwrap_or_else(|| n.to_string())
    }

    fn before_noun(&self, n: u64, noun: &str) -> String {
        let words = self.cardinal(n);
        if FEMININE.contains(&noun)
            && (words == "un" || words.ends_with(" un") || words.ends_with("-un"))
        {
            return format!("{}une", &words[..words.len() - 2]);
        }
        words
    }

    fn ordinal(&self, n: u64, ending: &str) -> String {
        if n == 1 {
            return if ending == "f" { "première".into() } else { "premier".into() };
        }
        let mut words = self.cardinal(n);
        for plural in ["vingts", "cents"] {
            if words.ends_with(plural) {
                words.pop();
            }
        }
        if words.ends_with("cinq") {
            words.push('u');
        } else if words.ends_with("neuf") {
            words.pop();
            words.push('v');
        } else if words.ends_with('e') {
            words.pop();
        }
        format!("{words}ième")
    }

    fn words(&self) -> &'static Words {
        &Words {
            comma: "virgule",
            percent: "pour cent",
            minus: "moins",
            degrees: "degrés Celsius",
            months: [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            million: ("million", "millions"),
            billion: ("milliard", "milliards"),
        }
    }

    fn currency(&self, symbol: &str, plural: bool) -> (&'static str, &'static str) {
        match (symbol, plural) {
            ("£", false) => ("livre", "pence"),
            ("£", true) => ("livres", "pence"),
            ("$" | "US$" | "USD", false) => ("dollar", "cents"),
            ("$" | "US$" | "USD", true) => ("dollars", "cents"),
            ("CHF", false) => ("franc suisse", "centimes"),
            ("CHF", true) => ("francs suisses", "centimes"),
            (_, false) => ("euro", "centimes"),
            (_, true) => ("euros", "centimes"),
        }
    }

    fn money(&self, whole: String, unit: &str, cents: Option<String>, _minor: &str) -> String {
        match cents {
            Some(c) => format!("{whole} {unit} {c}"),
            None => format!("{whole} {unit}"),
        }
    }

    fn of_currency(&self, unit: &str) -> String {
        let elided = unit.starts_with(['a', 'e', 'i', 'o', 'u']);
        if elided { format!("d'{unit}") } else { format!("de {unit}") }
    }

    fn date(&self, day: u64, month: &str, year: Option<u64>, _before: &str) -> String {
        let day = if day == 1 { "premier".to_owned() } else { self.cardinal(day) };
        let year = year.map(|y| format!(" {}", self.year(y))).unwrap_or_default();
        format!("{day} {month}{year}")
    }

    fn time(&self, h: u64, m: u64) -> String {
        let hour =
            if h == 1 { "une heure".to_owned() } else { format!("{} heures", self.cardinal(h)) };
        if m == 0 { hour } else { format!("{hour} {}", self.cardinal(m)) }
    }

    fn ordinal_ending(&self, _before: &str, marker: &str) -> &'static str {
        if matches!(marker, "re" | "ère") { "f" } else { "m" }
    }
}

const ES_SMALL: [&str; 30] = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
];
const ES_TENS: [&str; 10] = [
    "",
    "",
    "veinte",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
];
const ES_HUNDREDS: [&str; 10] = [
    "",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
];

fn es_below_thousand(n: u64) -> String {
    if n == 100 {
        return "cien".into();
    }
    let (h, rest) = (n / 100, n % 100);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(ES_HUNDREDS[h as usize].to_owned());
    }
    if rest > 0 {
        parts.push(if rest < 30 {
            ES_SMALL[rest as usize].to_owned()
        } else if rest % 10 == 0 {
            ES_TENS[(rest / 10) as usize].to_owned()
        } else {
            format!("{} y {}", ES_TENS[(rest / 10) as usize], ES_SMALL[(rest % 10) as usize])
        });
    }
    parts.join(" ")
}

/// "uno" before a noun or "mil": "un", "veintiún".
fn apocope(words: &str) -> String {
    if let Some(stem) = words.strip_suffix("veintiuno") {
        format!("{stem}veintiún")
    } else if let Some(stem) = words.strip_suffix("uno") {
        format!("{stem}un")
    } else {
        words.to_owned()
    }
}

fn es_cardinal(n: u64) -> String {
    if n == 0 {
        return "cero".into();
    }
    let mut parts = Vec::new();
    let millions = n / 1_000_000;
    let rest = n % 1_000_000;
    if millions > 0 {
        parts.push(if millions == 1 {
            "un millón".to_owned()
        } else {
            format!("{} millones", apocope(&es_cardinal(millions)))
        });
    }
    let thousands = rest / 1000;
    if thousands > 0 {
        parts.push(if thousands == 1 {
            "mil".to_owned()
        } else {
            format!("{} mil", apocope(&es_below_thousand(thousands)))
        });
    }
    if !rest.is_multiple_of(1000) {
        parts.push(es_below_thousand(rest % 1000));
    }
    parts.join(" ")
}

const ES_ORDINALS: [&str; 11] = [
    "", "primero", "segundo", "tercero", "cuarto", "quinto", "sexto", "séptimo", "octavo",
    "noveno", "décimo",
];
const ES_ORDINAL_TENS: [&str; 11] = [
    "",
    "décimo",
    "vigésimo",
    "trigésimo",
    "cuadragésimo",
    "quincuagésimo",
    "sexagésimo",
    "septuagésimo",
    "octogésimo",
    "nonagésimo",
    "centésimo",
];

impl Tongue for Spanish {
    fn cardinal(&self, n: u64) -> String {
        es_cardinal(n)
    }

    fn before_noun(&self, n: u64, noun: &str) -> String {
        let words = es_cardinal(n);
        if NOT_NOUNS_ES.contains(&noun) {
            return words;
        }
        if FEMININE.contains(&noun) {
            let words = words.replace("ientos", "ientas").replace("quinientos", "quinientas");
            return match words.strip_suffix("uno") {
                Some(stem) => format!("{stem}una"),
                None => words,
            };
        }
        apocope(&words)
    }

    fn ordinal(&self, n: u64, ending: &str) -> String {
        let word = match n {
            1..=10 => ES_ORDINALS[n as usize].to_owned(),
            11 => "undécimo".to_owned(),
            12 => "duodécimo".to_owned(),
            13..=100 => {
                let (t, u) = (n / 10, n % 10);
                if u == 0 {
                    ES_ORDINAL_TENS[t as usize].to_owned()
                } else if t == 1 {
                    format!("decimo{}", ES_ORDINALS[u as usize])
                } else {
                    format!("{} {}", ES_ORDINAL_TENS[t as usize], ES_ORDINALS[u as usize])
                }
            }
            _ => return es_cardinal(n),
        };
        match ending {
            "f" => word
                .split(' ')
                .map(|w| format!("{}a", &w[..w.len() - 1]))
                .collect::<Vec<_>>()
                .join(" "),
            "short" => word.replace("primero", "primer").replace("tercero", "tercer"),
            _ => word,
        }
    }

    fn words(&self) -> &'static Words {
        &Words {
            comma: "coma",
            percent: "por ciento",
            minus: "menos",
            degrees: "grados",
            months: [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ],
            million: ("millón", "millones"),
            billion: ("mil millones", "mil millones"),
        }
    }

    fn currency(&self, symbol: &str, plural: bool) -> (&'static str, &'static str) {
        match (symbol, plural) {
            ("£", false) => ("libra", "peniques"),
            ("£", true) => ("libras", "peniques"),
            ("$" | "US$" | "USD", false) => ("dólar", "centavos"),
            ("$" | "US$" | "USD", true) => ("dólares", "centavos"),
            (_, false) => ("euro", "céntimos"),
            (_, true) => ("euros", "céntimos"),
        }
    }

    fn money(&self, whole: String, unit: &str, cents: Option<String>, _minor: &str) -> String {
        match cents {
            Some(c) => format!("{} {unit} con {c}", apocope(&whole)),
            None => format!("{} {unit}", apocope(&whole)),
        }
    }

    fn of_currency(&self, unit: &str) -> String {
        format!("de {unit}")
    }

    fn date(&self, day: u64, month: &str, year: Option<u64>, _before: &str) -> String {
        let year = year.map(|y| format!(" de {}", self.year(y))).unwrap_or_default();
        format!("{} de {month}{year}", es_cardinal(day))
    }

    fn time(&self, h: u64, m: u64) -> String {
        let hour = if h == 1 { "una".to_owned() } else { es_cardinal(h) };
        if m == 0 { hour } else { format!("{hour} y {}", es_cardinal(m)) }
    }

    fn ordinal_ending(&self, _before: &str, marker: &str) -> &'static str {
        match marker {
            "ª" | "a" => "f",
            "er" => "short",
            _ => "m",
        }
    }
}

const PT_SMALL_PT: [&str; 20] = [
    "zero",
    "um",
    "dois",
    "três",
    "quatro",
    "cinco",
    "seis",
    "sete",
    "oito",
    "nove",
    "dez",
    "onze",
    "doze",
    "treze",
    "catorze",
    "quinze",
    "dezasseis",
    "dezassete",
    "dezoito",
    "dezanove",
];
const PT_TENS: [&str; 10] = [
    "",
    "",
    "vinte",
    "trinta",
    "quarenta",
    "cinquenta",
    "sessenta",
    "setenta",
    "oitenta",
    "noventa",
];
const PT_HUNDREDS: [&str; 10] = [
    "",
    "cento",
    "duzentos",
    "trezentos",
    "quatrocentos",
    "quinhentos",
    "seiscentos",
    "setecentos",
    "oitocentos",
    "novecentos",
];

impl Portuguese {
    fn small(&self, n: u64) -> &'static str {
        match (n, self.brazil) {
            (16, true) => "dezesseis",
            (17, true) => "dezessete",
            (19, true) => "dezenove",
            _ => PT_SMALL_PT[n as usize],
        }
    }

    fn below_thousand(&self, n: u64) -> String {
        if n == 100 {
            return "cem".into();
        }
        let (h, rest) = (n / 100, n % 100);
        let mut parts = Vec::new();
        if h > 0 {
            parts.push(PT_HUNDREDS[h as usize].to_owned());
        }
        if rest > 0 {
            parts.push(if rest < 20 {
                self.small(rest).to_owned()
            } else if rest % 10 == 0 {
                PT_TENS[(rest / 10) as usize].to_owned()
            } else {
                format!("{} e {}", PT_TENS[(rest / 10) as usize], self.small(rest % 10))
            });
        }
        parts.join(" e ")
    }

    fn cardinal_words(&self, n: u64) -> String {
        if n == 0 {
            return "zero".into();
        }
        let (big, one, many) = if self.brazil {
            (1_000_000_000, "um bilhão", "bilhões")
        } else {
            (1_000_000_000_000, "um bilião", "biliões")
        };
        let mut groups: Vec<String> = Vec::new();
        let mut rest = n;
        let top = rest / big;
        if top > 0 {
            groups.push(if top == 1 {
                one.to_owned()
            } else {
                format!("{} {many}", self.cardinal_words(top))
            });
            rest %= big;
        }
        let millions = rest / 1_000_000;
        if millions > 0 {
            groups.push(if millions == 1 {
                "um milhão".to_owned()
            } else {
                format!("{} milhões", self.cardinal_words(millions))
            });
            rest %= 1_000_000;
        }
        let thousands = rest / 1000;
        if thousands > 0 {
            groups.push(if thousands == 1 {
                "mil".to_owned()
            } else {
                format!("{} mil", self.below_thousand(thousands))
            });
        }
        let last = rest % 1000;
        if last > 0 {
            // "mil e duzentos", "mil e cinquenta", but "mil duzentos e cinquenta".
            let joined = if groups.is_empty() {
                self.below_thousand(last)
            } else if last < 100 || last.is_multiple_of(100) {
                format!("e {}", self.below_thousand(last))
            } else {
                self.below_thousand(last)
            };
            groups.push(joined);
        }
        groups.join(" ")
    }
}

const PT_ORDINALS: [&str; 10] = [
    "", "primeiro", "segundo", "terceiro", "quarto", "quinto", "sexto", "sétimo", "oitavo", "nono",
];
const PT_ORDINAL_TENS: [&str; 11] = [
    "",
    "décimo",
    "vigésimo",
    "trigésimo",
    "quadragésimo",
    "quinquagésimo",
    "sexagésimo",
    "septuagésimo",
    "octogésimo",
    "nonagésimo",
    "centésimo",
];

impl Tongue for Portuguese {
    fn cardinal(&self, n: u64) -> String {
        self.cardinal_words(n)
    }

    fn before_noun(&self, n: u64, noun: &str) -> String {
        let words = self.cardinal_words(n);
        if !FEMININE.contains(&noun) {
            return words;
        }
        let words = words.replace("entos", "entas").replace("quinhentos", "quinhentas");
        let mut out: Vec<String> = words.split(' ').map(str::to_owned).collect();
        if let Some(last) = out.last_mut() {
            match last.as_str() {
                "um" => *last = "uma".into(),
                "dois" => *last = "duas".into(),
                _ => {}
            }
        }
        out.join(" ")
    }

    fn ordinal(&self, n: u64, ending: &str) -> String {
        let word = match n {
            1..=9 => PT_ORDINALS[n as usize].to_owned(),
            10..=100 => {
                let (t, u) = (n / 10, n % 10);
                if u == 0 {
                    PT_ORDINAL_TENS[t as usize].to_owned()
                } else {
                    format!("{} {}", PT_ORDINAL_TENS[t as usize], PT_ORDINALS[u as usize])
                }
            }
            _ => return self.cardinal_words(n),
        };
        if ending == "f" {
            word.split(' ').map(|w| format!("{}a", &w[..w.len() - 1])).collect::<Vec<_>>().join(" ")
        } else {
            word
        }
    }

    fn words(&self) -> &'static Words {
        &Words {
            comma: "vírgula",
            percent: "por cento",
            minus: "menos",
            degrees: "graus Celsius",
            months: [
                "janeiro",
                "fevereiro",
                "março",
                "abril",
                "maio",
                "junho",
                "julho",
                "agosto",
                "setembro",
                "outubro",
                "novembro",
                "dezembro",
            ],
            million: ("milhão", "milhões"),
            billion: ("mil milhões", "mil milhões"),
        }
    }

    fn currency(&self, symbol: &str, plural: bool) -> (&'static str, &'static str) {
        let cents = if self.brazil { "centavos" } else { "cêntimos" };
        match (symbol, plural) {
            ("R$", false) => ("real", "centavos"),
            ("R$", true) => ("reais", "centavos"),
            ("£", false) => ("libra", "pence"),
            ("£", true) => ("libras", "pence"),
            ("$" | "US$" | "USD", false) => ("dólar", "cêntimos"),
            ("$" | "US$" | "USD", true) => ("dólares", cents),
            (_, false) => ("euro", cents),
            (_, true) => ("euros", cents),
        }
    }

    fn money(&self, whole: String, unit: &str, cents: Option<String>, minor: &str) -> String {
        match cents {
            Some(c) => format!("{whole} {unit} e {c} {minor}"),
            None => format!("{whole} {unit}"),
        }
    }

    fn of_currency(&self, unit: &str) -> String {
        format!("de {unit}")
    }

    fn date(&self, day: u64, month: &str, year: Option<u64>, _before: &str) -> String {
        let day = if day == 1 { "primeiro".to_owned() } else { self.cardinal_words(day) };
        let year = year.map(|y| format!(" de {}", self.year(y))).unwrap_or_default();
        format!("{day} de {month}{year}")
    }

    fn time(&self, h: u64, m: u64) -> String {
        let hour = match h {
            1 => "uma hora".to_owned(),
            2 => "duas horas".to_owned(),
            _ => format!("{} horas", self.cardinal_words(h)),
        };
        if m == 0 { hour } else { format!("{hour} e {}", self.cardinal_words(m)) }
    }

    fn ordinal_ending(&self, _before: &str, marker: &str) -> &'static str {
        if marker == "ª" { "f" } else { "m" }
    }
}
