//! Whether a guest's text is a courtesy that expects no answer ("Danke, bis morgen!", "merci 👍", "ok perfect"):
//! such a message neither wakes the automatic reply nor waits in the inbox for a person. Anything with a question
//! mark, or a word outside the short thanks-and-goodbye vocabulary below, expects an answer.

/// Longest courtesy, in words: longer messages say something.
const MAX_WORDS: usize = 8;

/// Words of thanks and goodbye in German, English and French (lower case, no apostrophes). A bare "yes" answers
/// something and is left out.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    // German
    "danke", "dankeschön", "schön", "vielen", "dank", "besten", "herzlichen", "super", "perfekt", "toll", "prima",
    "klasse", "gut", "sehr", "alles", "klar", "passt", "genau", "gerne", "gern", "top", "bis", "morgen",
    "dann", "später", "gleich", "bald", "nachher", "tschüss", "tschüs", "ciao", "schönen", "schöne", "tag", "abend",
    "wochenende", "liebe", "grüße", "gruß", "lg", "vg", "mfg", "freue", "freuen", "mich", "uns", "wir", "ich",
    "euch", "ihnen", "dir", "auch", "noch", "und", "ok", "okay", "okey", "jo", "cool", "wunderbar", "vielmals",
    // English
    "thanks", "thank", "you", "thx", "ty", "much", "very", "great", "perfect", "awesome", "lovely", "nice", "fine",
    "good", "sounds", "see", "tomorrow", "then", "soon", "later", "bye", "goodbye", "cheers", "have", "a", "day",
    "evening", "weekend", "looking", "forward", "to", "it", "all", "set", "got", "will", "do", "so",
    "appreciated", "the", "same", "too", "wonderful", "brilliant",
    // French
    "merci", "beaucoup", "parfait", "génial", "très", "bien", "à", "demain", "bientôt", "plus", "tard", "tout",
    "bonne", "journée", "soirée", "daccord", "accord", "cordialement", "bisous", "au", "revoir", "salut",
    "cest", "noté", "entendu", "impeccable", "ça", "marche", "vous", "aussi", "encore",
];

/// Whether `text` is only thanks, agreement or goodbye (emoji and punctuation aside) and asks nothing.
pub fn is_courtesy(text: &str) -> bool {
    if text.contains('?') || text.contains('¿') {
        return false;
    }
    let lower = text.to_lowercase().replace(['\'', '’'], "");
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.len() <= MAX_WORDS && words.iter().all(|w| WORDS.contains(w)) && (!words.is_empty() || has_symbol(text))
}

/// An emoji-only message (👍, 🙏) is a courtesy; an empty one is nothing at all.
fn has_symbol(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
}

#[cfg(test)]
mod tests {
    use super::is_courtesy;

    #[test]
    fn thanks_and_goodbyes_expect_no_answer() {
        for text in [
            "Danke, bis morgen!",
            "Vielen Dank 🙏",
            "Danke schön!",
            "super, danke dir",
            "Perfekt, freue mich!",
            "ok",
            "👍",
            "Thanks, see you tomorrow!",
            "Great, thank you so much",
            "Merci beaucoup, à demain !",
            "Parfait, c'est noté",
            "d'accord merci",
        ] {
            assert!(is_courtesy(text), "{text}");
        }
    }

    #[test]
    fn questions_and_news_expect_an_answer() {
        for text in [
            "Habt ihr glutenfreie Pasta?",
            "Danke! Kann ich noch eine Person mitbringen",
            "ok?",
            "Tisch für 4 morgen",
            "Ja",
            "yes",
            "Ich komme 20 Minuten später",
            "thanks, but we are 5 people now",
            "Merci, vous avez un parking ?",
            "",
            "   ",
            "Danke danke danke danke danke danke danke danke danke",
        ] {
            assert!(!is_courtesy(text), "{text}");
        }
    }
}
