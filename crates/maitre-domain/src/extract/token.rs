//! Folding and tokenising.
//!
//! A hand-written single-pass tokenizer instead of regular expressions: every rule downstream looks at a
//! bounded window of tokens, so extraction is linear in the input and nothing can backtrack; byte offsets
//! come from `char_indices`, so evidence slices always fall on char boundaries.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Num,
    Sym,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    kind: Kind,
    /// Lower case without accents (ß → ss); for `Sym` the one character, dashes unified to '-'.
    text: String,
    /// The German digraph spelling collapsed (`fuenf` → `funf`), so words typed without umlauts match.
    alt: Option<String>,
    start: usize,
    end: usize,
    /// Nothing separates this token from the previous one ("19h30", "21.3.").
    glued: bool,
    /// The source starts with an upper-case letter (German weekday abbreviations need it).
    capital: bool,
}

/// A run of ASCII digits; `value` is absent for runs too long to be a day, hour, year or headcount.
#[derive(Debug, Clone, Copy)]
pub(super) struct Num {
    pub value: u32,
    pub digits: usize,
    pub zero_padded: bool,
}

/// The tokens of one message, and which of them a rule has already claimed.
pub(super) struct Toks<'a> {
    src: &'a str,
    toks: Vec<Token>,
    used: Vec<bool>,
}

fn fold(c: char, out: &mut String) {
    for l in c.to_lowercase() {
        match l {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'æ' => out.push_str("ae"),
            'ç' | 'ć' | 'č' => out.push('c'),
            'ď' | 'đ' => out.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => out.push('e'),
            'ğ' => out.push('g'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => out.push('i'),
            'ł' => out.push('l'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => out.push('o'),
            'œ' => out.push_str("oe"),
            'ř' => out.push('r'),
            'ś' | 'š' | 'ş' => out.push('s'),
            'ß' => out.push_str("ss"),
            'ť' | 'ţ' => out.push('t'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            // Combining marks of decomposed input ("e" + U+0301).
            '\u{300}'..='\u{36f}' => {}
            other => out.push(other),
        }
    }
}

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '`' | '´')
}

fn collapse_digraphs(s: &str) -> Option<String> {
    (s.contains("ae") || s.contains("oe") || s.contains("ue"))
        .then(|| s.replace("ae", "a").replace("oe", "o").replace("ue", "u"))
}

fn tokenize(src: &str) -> Vec<Token> {
    let mut toks: Vec<Token> = Vec::new();
    let mut glued = false;
    for (at, c) in src.char_indices() {
        let end = at + c.len_utf8();
        let kind = if c.is_ascii_digit() {
            Kind::Num
        } else if c.is_alphabetic() || is_combining(c) {
            Kind::Word
        } else if c.is_whitespace() || is_apostrophe(c) {
            // Apostrophes split "aujourd'hui" and "o'clock" into words the lexicon knows.
            glued = false;
            continue;
        } else {
            Kind::Sym
        };
        if let Some(last) = toks.last_mut()
            && glued
            && last.kind == kind
            && kind != Kind::Sym
        {
            if kind == Kind::Word {
                fold(c, &mut last.text);
            } else {
                last.text.push(c);
            }
            last.end = end;
            continue;
        }
        if is_combining(c) {
            // A stray combining mark with no letter to attach to.
            continue;
        }
        let mut text = String::new();
        match kind {
            Kind::Word => fold(c, &mut text),
            Kind::Sym if matches!(c, '–' | '—' | '‐' | '‑' | '−') => text.push('-'),
            _ => text.push(c),
        }
        toks.push(Token { kind, text, alt: None, start: at, end, glued, capital: c.is_uppercase() });
        glued = true;
    }
    for t in &mut toks {
        if t.kind == Kind::Word {
            t.alt = collapse_digraphs(&t.text);
        }
    }
    toks
}

impl<'a> Toks<'a> {
    pub fn new(src: &'a str) -> Self {
        let toks = tokenize(src);
        let used = vec![false; toks.len()];
        Self { src, toks, used }
    }

    pub fn len(&self) -> usize {
        self.toks.len()
    }

    fn get(&self, i: usize) -> Option<&Token> {
        self.toks.get(i)
    }

    /// Looks a word up under both spellings (`fünf`/`funf` and `fuenf`).
    pub fn lookup<T>(&self, i: usize, f: impl Fn(&str) -> Option<T>) -> Option<T> {
        let t = self.get(i).filter(|t| t.kind == Kind::Word)?;
        f(&t.text).or_else(|| t.alt.as_deref().and_then(&f))
    }

    pub fn is(&self, i: usize, words: &[&str]) -> bool {
        self.lookup(i, |w| words.contains(&w).then_some(())).is_some()
    }

    pub fn is_word(&self, i: usize) -> bool {
        self.get(i).is_some_and(|t| t.kind == Kind::Word)
    }

    pub fn sym(&self, i: usize, c: char) -> bool {
        self.get(i).is_some_and(|t| t.kind == Kind::Sym && t.text.starts_with(c))
    }

    pub fn glued(&self, i: usize) -> bool {
        self.get(i).is_some_and(|t| t.glued)
    }

    pub fn capital(&self, i: usize) -> bool {
        self.get(i).is_some_and(|t| t.capital)
    }

    pub fn num(&self, i: usize) -> Option<Num> {
        let t = self.get(i).filter(|t| t.kind == Kind::Num)?;
        let digits = t.text.len();
        let value = if digits <= 4 {
            t.text.parse().ok()?
        } else {
            return None;
        };
        Some(Num { value, digits, zero_padded: digits > 1 && t.text.starts_with('0') })
    }

    pub fn is_num(&self, i: usize) -> bool {
        self.get(i).is_some_and(|t| t.kind == Kind::Num)
    }

    /// `k`, or the token after it when `k` is a hyphen ("après-demain", "après-midi").
    pub fn past_hyphen(&self, k: usize) -> usize {
        if self.sym(k, '-') { k + 1 } else { k }
    }

    /// The token exists and no rule has claimed it.
    pub fn free(&self, i: usize) -> bool {
        self.used.get(i).is_some_and(|u| !u)
    }

    pub fn all_free(&self, from: usize, to: usize) -> bool {
        (from..=to).all(|i| self.free(i))
    }

    pub fn take(&mut self, from: usize, to: usize) {
        if let Some(span) = self.used.get_mut(from..=to) {
            span.fill(true);
        }
    }

    /// The source text covered by tokens `from..=to`.
    pub fn text(&self, from: usize, to: usize) -> String {
        match (self.get(from), self.get(to)) {
            (Some(a), Some(b)) => self.src.get(a.start..b.end).unwrap_or_default().to_owned(),
            _ => String::new(),
        }
    }

    /// The first word token; greetings ("Morning!") sit there.
    pub fn first_word(&self) -> Option<usize> {
        self.toks.iter().position(|t| t.kind == Kind::Word)
    }
}
