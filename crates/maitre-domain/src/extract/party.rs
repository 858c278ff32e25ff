//! Headcount: counted nouns ("4 Personen", "2 Kinder", "ten of us"), "zu viert", "table for 6",
//! "we are 4", "nous serons 5", "à deux".

use super::lexicon::{self, DOZEN, DURATIONS, Who};
use super::token::Toks;
use super::{ExtractLocale, Found};

/// A count starting at `i`: digits, a number word or "(a) dozen"; with `articles`, "a"/"ein"/"une"
/// count as one ("a child", "eine Person"). Returns the value and the last index.
fn count_at(t: &Toks, i: usize, articles: bool) -> Option<(u32, usize)> {
    if let Some(n) = t.num(i) {
        return (n.digits <= 3 && n.value >= 1).then_some((n.value, i));
    }
    if t.is(i, DOZEN) {
        return Some((12, i));
    }
    match t.lookup(i, lexicon::cardinal) {
        Some((n, false)) => return Some((n, i)),
        Some((_, true)) => {}
        None if t.is(i, &["a", "an"]) => {}
        None => return None,
    }
    // An article: "a dozen", "une douzaine", or one.
    if t.is(i + 1, DOZEN) {
        return Some((12, i + 1));
    }
    articles.then_some((1, i))
}

/// The count that ends right before `noun`: its value and first index.
fn count_before(t: &Toks, noun: usize) -> Option<(u32, usize)> {
    let mut j = noun.checked_sub(1)?;
    // "une douzaine de personnes"
    if t.is(j, &["de"]) && j > 0 && t.is(j - 1, DOZEN) {
        j -= 1;
    }
    if t.is(j, DOZEN) {
        let from = j.checked_sub(1).filter(|&a| count_at(t, a, true) == Some((12, j)));
        return Some((12, from.unwrap_or(j)));
    }
    let chained = t.glued(j) && j > 0 && (t.sym(j - 1, '.') || t.sym(j - 1, ':'));
    count_at(t, j, true).filter(|&(_, end)| end == j && !chained).map(|(n, _)| (n, j))
}

/// The number at `i` counts people, a duration or money, so it is neither an hour nor a bare headcount:
/// "nach 2 Stunden", "für 50 €", "zwischen 6 und 8 Personen".
pub(super) fn is_quantity(t: &Toks, i: usize) -> bool {
    let k = i + 1;
    let range_of_people = (t.sym(k, '-') || t.is(k, &["und", "and", "et", "bis", "to", "or", "oder", "ou"]))
        && count_at(t, k + 1, false).is_some()
        && t.lookup(k + 2, lexicon::people).is_some();
    t.lookup(k, lexicon::people).is_some()
        || (t.is(k, &["of"]) && t.is(k + 1, &["us"]))
        || t.is(k, DURATIONS)
        || lexicon::is_money(t, k)
        || (i > 0 && lexicon::is_money(t, i - 1))
        || range_of_people
}

/// Words after which a number is a headcount; the index of that number.
fn opener(t: &Toks, i: usize, locale: ExtractLocale) -> Option<usize> {
    let being = (t.is(i, &["nous"]) && t.is(i + 1, &["sommes", "serons", "serions"]))
        || (t.is(i, &["on"]) && t.is(i + 1, &["sera", "est", "serait"]));
    if being {
        // "nous serons à 8" counts people; a bare "à 8" is a time.
        return Some(if t.is(i + 2, &["a"]) { i + 3 } else { i + 2 });
    }
    if t.is(i, &["zu", "fur", "for", "pour"]) {
        Some(i + 1)
    } else if (t.is(i, &["party", "group", "table", "groupe", "gruppe", "tisch"]) && t.is(i + 1, &["of", "de", "von"]))
        || (t.is(i, &["wir"]) && t.is(i + 1, &["sind"]))
        || (t.is(i, &["we"]) && t.is(i + 1, &["are", "re"]))
    {
        Some(i + 2)
    } else if t.is(i, &["we"]) && t.is(i + 1, &["ll", "will", "d", "would"]) && t.is(i + 2, &["be"]) {
        Some(i + 3)
    } else if locale == ExtractLocale::Fr && t.is(i, &["a"]) && !t.is_num(i + 1) {
        // "à deux", "à quatre"; digits after "à" are an hour.
        Some(i + 1)
    } else {
        None
    }
}

/// The headcount: the first stated total, else adults and children added up.
pub(super) fn read(t: &mut Toks, locale: ExtractLocale) -> Option<Found<u16>> {
    let mut totals: Vec<Found<u32>> = Vec::new();
    // Adults and children: value, first and last index.
    let mut parts: Vec<(u32, usize, usize)> = Vec::new();
    for i in 0..t.len() {
        let (who, to) = match t.lookup(i, lexicon::people) {
            Some(who) => (who, i),
            None if t.is(i, &["of"]) && t.is(i + 1, &["us"]) => (Who::Total, i + 1),
            None => continue,
        };
        let Some((n, from)) = count_before(t, i).filter(|&(_, from)| t.all_free(from, to)) else {
            continue;
        };
        t.take(from, to);
        match who {
            Who::Total => totals.push(Found { at: from, value: n, text: t.text(from, to) }),
            Who::Adults | Who::Children => parts.push((n, from, to)),
        }
    }
    for i in 0..t.len() {
        let Some(k) = opener(t, i, locale).filter(|&k| t.free(k)) else {
            continue;
        };
        let zu = t.is(i, &["zu"]).then(|| t.lookup(k, lexicon::zu_ordinal)).flatten();
        let Some((n, end)) = zu.map(|n| (n, k)).or_else(|| count_at(t, k, false)) else {
            continue;
        };
        // Without a noun, large numbers after "für"/"for" are rarely people.
        if (t.is_num(k) && n > 50) || !t.all_free(k, end) || is_quantity(t, end) {
            continue;
        }
        totals.push(Found { at: i, value: n, text: t.text(i, end) });
        t.take(k, end);
    }
    if let Some(f) = totals.into_iter().min_by_key(|f| f.at) {
        let value = u16::try_from(f.value).ok()?;
        return Some(Found { at: f.at, value, text: f.text });
    }
    let (first, last) = (parts.first()?.1, parts.last()?.2);
    let sum = parts.iter().fold(0u32, |sum, p| sum.saturating_add(p.0));
    Some(Found { at: first, value: u16::try_from(sum).ok()?, text: t.text(first, last) })
}
