//! Which of maitre's languages a guest writes in, from the words of their messages: German, English or French, or
//! none when the text does not tell ("4", "Lena Vogel", "ok").
//!
//! Written here rather than taken from a language-detection crate: trigram detectors are built for sentences and
//! misread the few words guests send ("Do you have gluten free pasta?" came out German, "Danke" French). In a
//! handful of words the function words and greetings decide, and three languages need only three short lists.
use crate::Locale;

/// Frequent words of one language that the other two do not use (words all share, like "ok", "super", "in",
/// "am", "was", "me", "a", are left out so they never tip the scale).
#[rustfmt::skip]
const GERMAN: &[&str] = &[
    "ich", "sie", "wir", "ihr", "er", "es", "mir", "mich", "dich", "uns", "euch", "ihnen", "ist", "sind", "bin",
    "bist", "habe", "hast", "hat", "haben", "habt", "kann", "kannst", "können", "könnt", "möchte", "möchten", "würde",
    "würden", "gibt", "der", "das", "dem", "den", "ein", "eine", "einen", "einem", "und", "oder", "aber",
    "nicht", "kein", "keine", "mit", "für", "von", "zu", "zum", "zur", "bei", "auf", "um", "uhr", "heute", "morgen",
    "übermorgen", "abend", "bitte", "danke", "hallo", "guten", "tag", "ja", "nein", "noch", "auch", "wie", "wann",
    "wo", "wer", "warum", "gerne", "gern", "tisch", "personen", "leute", "schon", "mal", "doch", "vielen", "dank",
    "tschüss", "moin", "servus", "grüß", "über", "frei", "reservieren", "reservierung", "termin", "geht",
];

#[rustfmt::skip]
const ENGLISH: &[&str] = &[
    "i", "you", "he", "she", "we", "they", "my", "your", "our", "is", "are", "were", "be", "have", "has",
    "do", "does", "did", "can", "could", "would", "like", "want", "the", "and", "or", "but", "not", "yes", "no",
    "with", "for", "of", "to", "at", "from", "please", "thanks", "thank", "hi", "hello", "hey", "tomorrow",
    "today", "tonight", "evening", "people", "persons", "what", "when", "where", "who", "why", "how", "there",
    "any", "some", "book", "booking", "reservation", "reserve", "free", "available", "appointment", "it", "this",
    "that", "good", "morning", "afternoon", "bye", "see", "tables",
];

#[rustfmt::skip]
const FRENCH: &[&str] = &[
    "je", "tu", "il", "elle", "nous", "vous", "ils", "elles", "moi", "mon", "ma", "mes", "votre", "vos", "est",
    "sont", "suis", "avez", "avons", "ai", "peux", "pouvez", "peut", "voudrais", "voudrions", "veux", "le", "la",
    "les", "un", "une", "des", "du", "et", "ou", "mais", "pas", "ne", "non", "oui", "avec", "pour", "de", "à",
    "au", "aux", "sur", "dans", "chez", "merci", "bonjour", "bonsoir", "salut", "demain", "aujourd", "hui", "soir",
    "ce", "cette", "ces", "personnes", "quand", "où", "qui", "pourquoi", "comment", "quel", "quelle", "plaît",
    "plait", "réserver", "réservation", "y", "t", "libre", "rendez", "midi", "ça", "c", "j", "d", "qu", "s", "n",
];

/// The language most of `text`'s words belong to, if one clearly leads.
pub fn guess(text: &str) -> Option<Locale> {
    let lower = text.to_lowercase();
    let mut scores = [(Locale::De, 0u32), (Locale::En, 0), (Locale::Fr, 0)];
    // Apostrophes and hyphens split French words ("s'il", "a-t-il", "aujourd'hui") as they do in the lists.
    for word in lower.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
        for (locale, score) in &mut scores {
            let list = match locale {
                Locale::De => GERMAN,
                Locale::En => ENGLISH,
                Locale::Fr => FRENCH,
            };
            *score += u32::from(list.contains(&word));
        }
        // Letters one language alone uses tip a word that is in no list.
        if word.chars().any(|c| matches!(c, 'ä' | 'ö' | 'ü' | 'ß')) {
            scores[0].1 += 1;
        }
        if word
            .chars()
            .any(|c| matches!(c, 'é' | 'è' | 'ê' | 'ë' | 'à' | 'â' | 'ç' | 'œ' | 'ù' | 'û' | 'î' | 'ï' | 'ô'))
        {
            scores[2].1 += 1;
        }
    }
    scores.sort_by_key(|s| std::cmp::Reverse(s.1));
    (scores[0].1 > scores[1].1).then_some(scores[0].0)
}

/// The text for a guest who writes `guest_text`: the translation in their language when there is one, `own`
/// (the business's language) otherwise.
pub fn in_guests_language<'a>(own: &'a str, translations: &'a [(Locale, String)], guest_text: &str) -> &'a str {
    guess(guest_text)
        .and_then(|language| translations.iter().find(|(l, t)| *l == language && !t.trim().is_empty()))
        .map_or(own, |(_, text)| text.as_str())
}

#[cfg(test)]
mod tests {
    use super::{guess, in_guests_language};
    use crate::Locale::{De, En, Fr};

    #[test]
    fn guests_short_messages_are_read_in_their_language() {
        let cases = [
            ("Habt ihr glutenfreie Pasta?", De),
            ("Do you have gluten free pasta?", En),
            ("Avez-vous des pâtes sans gluten ?", Fr),
            ("Hi, table for 4 tomorrow at 8?", En),
            ("Hallo, einen Tisch für 4 morgen um 20 Uhr bitte", De),
            ("Bonjour, une table pour 4 demain à 20h ?", Fr),
            ("Is there parking?", En),
            ("Gibt es Parkplätze?", De),
            ("Y a-t-il un parking ?", Fr),
            ("Can I bring my dog", En),
            ("Kann ich meinen Hund mitbringen", De),
            ("Je peux venir avec mon chien", Fr),
            ("4 Personen", De),
            ("4 people", En),
            ("4 personnes", Fr),
            ("Super, danke!", De),
            ("Merci", Fr),
            ("Thanks!", En),
            ("Bonjour", Fr),
            ("Hallo", De),
            ("s'il vous plaît", Fr),
            ("Grüße aus Köln", De),
            ("Haben Sie am Sonntag offen?", De),
            ("Are you open on Sunday?", En),
            ("Vous êtes ouverts dimanche ?", Fr),
        ];
        for (text, want) in cases {
            assert_eq!(guess(text), Some(want), "{text}");
        }
    }

    #[test]
    fn a_guest_gets_the_translation_in_their_language_or_the_businesss_own_text() {
        let own = "Danke für Ihre Nachricht! Wir melden uns gleich.";
        let translations =
            [(En, "Thanks for your message! We will be in touch shortly.".to_owned()), (Fr, " ".to_owned())];
        assert_eq!(in_guests_language(own, &translations, "Do you have gluten free pasta?"), translations[0].1);
        assert_eq!(in_guests_language(own, &translations, "Habt ihr glutenfreie Pasta?"), own);
        assert_eq!(in_guests_language(own, &translations, "Avez-vous des pâtes sans gluten ?"), own, "blank: none");
        assert_eq!(in_guests_language(own, &translations, "👍"), own, "no language: the business's");
        assert_eq!(in_guests_language(own, &[], "Do you have gluten free pasta?"), own);
    }

    #[test]
    fn text_that_does_not_tell_gives_no_language() {
        for text in ["", "4", "20:00", "Lena Vogel", "ok", "👍", "super", "Pasta in Berlin", "+49 171 5556667"] {
            assert_eq!(guess(text), None, "{text}");
        }
    }
}
