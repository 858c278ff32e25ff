//! Which flow an input starts: text normalization, keyword modes, trigger ranking, opt-out words and button
//! presses.
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::{Regex, RegexBuilder};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Candidate, Choice, Input, InputKind, MatchMode, Trigger, TriggerKind};

/// Whole messages (normalized) that stop all automation for a contact.
pub const OPT_OUT_WORDS: [&str; 6] = ["stop", "stopp", "abmelden", "unsubscribe", "arret", "desabonner"];

/// Lower-case, without accents or diacritics (é→e, ä→a, ß→ss), whitespace collapsed to single spaces.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars().flat_map(char::to_lowercase).nfd() {
        if c.is_whitespace() {
            gap = !out.is_empty();
            continue;
        }
        if is_combining_mark(c) {
            continue;
        }
        if gap {
            out.push(' ');
            gap = false;
        }
        // Letters that do not decompose into a base letter and a mark.
        match c {
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ø' => out.push('o'),
            'ł' => out.push('l'),
            'đ' => out.push('d'),
            _ => out.push(c),
        }
    }
    out
}

/// An input prepared once for matching: its normalized text and what kind of message it is.
pub(super) struct Incoming<'a> {
    pub input: &'a Input,
    pub text: String,
    pub is_new: bool,
}

impl<'a> Incoming<'a> {
    pub fn new(input: &'a Input, is_new: bool) -> Self {
        let text = match input {
            Input::Message { text, .. } => normalize(text),
            _ => String::new(),
        };
        Incoming { input, text, is_new }
    }

    /// A direct message (text, story reply or mention); comments are public and never feed a conversation.
    fn direct(&self) -> Option<(&InputKind, Option<&str>)> {
        match self.input {
            Input::Message { kind: InputKind::Comment { .. }, .. } => None,
            Input::Message { kind, payload, .. } => Some((kind, payload.as_deref())),
            _ => None,
        }
    }

    /// The opt-out word this message consists of, if any (surrounding punctuation ignored: "Stop!").
    pub fn opt_out(&self) -> Option<&'static str> {
        self.direct()?;
        bare_opt_out(&self.text)
    }
}

/// The opt-out word already normalized `text` consists of, punctuation around it ignored.
fn bare_opt_out(text: &str) -> Option<&'static str> {
    let bare = text.trim_matches(|c: char| !c.is_alphanumeric());
    OPT_OUT_WORDS.into_iter().find(|w| *w == bare)
}

/// The opt-out word a guest's text message consists of, if any ("Stop!", "Désabonner"): honoured whoever has the
/// conversation, a flow or a member.
pub fn opt_out_word(text: &str) -> Option<&'static str> {
    // Every guest message passes here: only a short one can be a lone word, so most are not normalized at all.
    if text.len() > 40 {
        return None;
    }
    bare_opt_out(&normalize(text))
}

fn matches(kind: &TriggerKind, m: &Incoming) -> bool {
    match kind {
        TriggerKind::Keyword { words, mode } => m.direct().is_some() && keyword_matches(words, *mode, &m.text),
        TriggerKind::AnyMessage | TriggerKind::Fallback => m.direct().is_some(),
        TriggerKind::FirstMessage => m.is_new && m.direct().is_some(),
        TriggerKind::StoryReply => matches!(m.direct(), Some((InputKind::StoryReply, _))),
        TriggerKind::StoryMention => matches!(m.direct(), Some((InputKind::StoryMention, _))),
        TriggerKind::Comment { words, media_id } => match m.input {
            Input::Message { kind: InputKind::Comment { media_id: on }, .. } => {
                media_id.as_ref().is_none_or(|want| on.as_ref() == Some(want))
                    && (words.is_empty() || keyword_matches(words, MatchMode::Contains, &m.text))
            }
            _ => false,
        },
        TriggerKind::Payload { payload } => m.direct().and_then(|(_, p)| p) == Some(payload.as_str()),
        TriggerKind::Event { name } => matches!(m.input, Input::Event { name: got } if got == name),
    }
}

/// `text` is already normalized; the words are normalized here, regex patterns are not (escapes such as `\S`
/// must keep their case) and match case-insensitively.
pub(super) fn keyword_matches(words: &[String], mode: MatchMode, text: &str) -> bool {
    // An empty keyword would match everything; it is a validation error and never matches.
    let word = |w: &str| Some(normalize(w)).filter(|w| !w.is_empty());
    words.iter().any(|w| match mode {
        MatchMode::Regex => compiled(w).is_ok_and(|re| re.is_match(text)),
        MatchMode::Exact => word(w).is_some_and(|w| text == w),
        MatchMode::Contains => word(w).is_some_and(|w| text.contains(&w)),
        MatchMode::WholeWord => word(w).is_some_and(|w| contains_whole_word(text, &w)),
    })
}

fn contains_whole_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Compiling costs far more than matching and triggers are matched on every message, so compiled patterns are
/// memoized; the cache never changes a result, so matching stays a pure function of its inputs.
pub(super) fn compiled(pattern: &str) -> Result<Regex, regex::Error> {
    const MAX_CACHED: usize = 512;
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(re) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(re);
    }
    // The size limit keeps a hostile pattern from an author's flow from eating memory.
    let re = RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 20).build()?;
    if let Ok(mut c) = cache.lock() {
        if c.len() >= MAX_CACHED {
            c.clear();
        }
        c.insert(pattern.to_owned(), re.clone());
    }
    Ok(re)
}

/// Between matches of equal priority, the more specific kind wins.
fn specificity(kind: &TriggerKind) -> u8 {
    match kind {
        TriggerKind::Payload { .. } | TriggerKind::Event { .. } => 9,
        TriggerKind::Keyword { mode: MatchMode::Exact, .. } => 8,
        TriggerKind::Keyword { mode: MatchMode::WholeWord, .. } => 7,
        TriggerKind::Keyword { mode: MatchMode::Contains, .. } => 6,
        TriggerKind::Keyword { mode: MatchMode::Regex, .. } => 5,
        TriggerKind::StoryReply | TriggerKind::StoryMention | TriggerKind::Comment { .. } => 4,
        TriggerKind::FirstMessage => 3,
        TriggerKind::AnyMessage => 2,
        TriggerKind::Fallback => 1,
    }
}

/// Which triggers may fire.
#[derive(Clone, Copy)]
pub(super) enum Selection<'a> {
    /// No run in progress: any trigger, fallbacks only when nothing else matched.
    Idle,
    /// A run of `running` is in progress: only deliberate triggers (keywords, buttons, stories, comments, events)
    /// of other flows, and keywords of the running flow that have an entry of their own ("stornieren" → cancel).
    /// Catch-all triggers would swallow every answer, and restarting at the flow's start would discard what the
    /// guest already said ("Tisch für 4" answering "for how many?").
    Interrupt { running: &'a str },
}

impl Selection<'_> {
    fn allows(self, flow_id: &str, def_start: &str, trigger: &Trigger) -> bool {
        match (self, &trigger.on) {
            (Selection::Idle, kind) => !matches!(kind, TriggerKind::Fallback),
            (Selection::Interrupt { running }, TriggerKind::Keyword { .. }) if flow_id == running => {
                trigger.start.as_deref().is_some_and(|entry| entry != def_start)
            }
            (Selection::Interrupt { running }, kind) => {
                flow_id != running
                    && !matches!(kind, TriggerKind::AnyMessage | TriggerKind::FirstMessage | TriggerKind::Fallback)
            }
        }
    }
}

/// The best matching trigger: highest priority, then the most specific kind, then the earlier candidate.
pub(super) fn select<'c>(
    flows: &'c [Candidate<'c>],
    m: &Incoming,
    selection: Selection,
) -> Option<(&'c Candidate<'c>, &'c Trigger)> {
    let best = |allow: &dyn Fn(&Candidate, &Trigger) -> bool| {
        flows
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.def.triggers.iter().map(move |t| (i, c, t)))
            .filter(|(_, c, t)| allow(c, t) && matches(&t.on, m))
            .max_by_key(|(i, _, t)| (t.priority, specificity(&t.on), std::cmp::Reverse(*i)))
            .map(|(_, c, t)| (c, t))
    };
    best(&|c, t| selection.allows(c.flow_id, &c.def.start, t)).or_else(|| match selection {
        Selection::Idle => best(&|_, t| matches!(t.on, TriggerKind::Fallback)),
        Selection::Interrupt { .. } => None,
    })
}

/// The button a message presses: its payload, its title or value typed out, or its number ("2"). Typed text is
/// compared without punctuation or emoji, so "super!" presses "😍 Super".
pub(super) fn pick<'c>(choices: &'c [Choice], text: &str, payload: Option<&str>) -> Option<&'c Choice> {
    if let Some(p) = payload
        && let Some(c) = choices.iter().find(|c| c.payload() == p)
    {
        return Some(c);
    }
    let typed = bare(text);
    if let Ok(n) = typed.parse::<usize>() {
        return n.checked_sub(1).and_then(|i| choices.get(i));
    }
    (!typed.is_empty()).then(|| choices.iter().find(|c| bare(&c.title) == typed || bare(c.payload()) == typed))?
}

/// Normalized, with only letters, digits and single spaces left.
fn bare(text: &str) -> String {
    let kept: String = normalize(text).chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}
