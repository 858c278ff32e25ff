//! Which name to keep when a guest answers "your name?" and we already know one.

/// The name to store after a guest answered `answer` while the contact is known as `known`. A shorter answer whose
/// words all appear in the known name ("Vogel" for "Lena Vogel", "lena" for "Lena Vogel") keeps the known name: the
/// profile or an earlier answer said more. Anything else is the guest's newer word on it and replaces it.
pub fn name_to_keep<'a>(known: &'a str, answer: &'a str) -> &'a str {
    let (known_t, answer_t) = (known.trim(), answer.trim());
    if answer_t.is_empty() {
        return known_t;
    }
    let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    let (k, a) = (words(known_t), words(answer_t));
    if k.len() > a.len() && a.iter().all(|w| k.contains(w)) { known_t } else { answer_t }
}

#[cfg(test)]
mod tests {
    use super::name_to_keep;

    #[test]
    fn a_part_of_the_known_name_keeps_the_known_name() {
        assert_eq!(name_to_keep("Lena Vogel", "Vogel"), "Lena Vogel");
        assert_eq!(name_to_keep("Lena Vogel", "lena"), "Lena Vogel");
        assert_eq!(name_to_keep("Lena Maria Vogel", "Lena Vogel"), "Lena Maria Vogel");
        assert_eq!(name_to_keep(" Élodie Martin ", "élodie"), "Élodie Martin");
    }

    #[test]
    fn a_fuller_or_different_answer_replaces_it() {
        assert_eq!(name_to_keep("Vogel", "Lena Vogel"), "Lena Vogel");
        assert_eq!(name_to_keep("Lena Vogel", "Anna Vogel"), "Anna Vogel");
        assert_eq!(name_to_keep("lena_v", "Lena"), "Lena");
        assert_eq!(name_to_keep("", "Lena"), "Lena");
        assert_eq!(name_to_keep("Lena Vogel", "Lena Vogel"), "Lena Vogel");
        assert_eq!(name_to_keep("Lena Vogel", "lena vogel"), "lena vogel");
    }

    #[test]
    fn an_empty_answer_keeps_what_is_known() {
        assert_eq!(name_to_keep("Lena Vogel", "  "), "Lena Vogel");
        assert_eq!(name_to_keep("", ""), "");
    }
}
