//! Redaction: what a moderator may change in a customer's words without the story being
//! marked "edited". A redaction replaces spans of the original with the marker `[…]`
//! (`[...]` typed with three dots counts too); the reader can see that something was taken
//! out, and everything that remains is the customer's own. Anything else — a word deleted
//! without a marker, a word added, reworded or moved — is an edit, and the public story
//! says so.

/// The marker that stands for a span a moderator took out.
pub const MARKER: &str = "[…]";

/// How the marker may be typed.
const MARKERS: [&str; 2] = [MARKER, "[...]"];

/// The first marker in `text`, as (start, length in bytes).
fn next_marker(text: &str) -> Option<(usize, usize)> {
    MARKERS
        .iter()
        .filter_map(|m| text.find(m).map(|at| (at, m.len())))
        .min()
}

/// Splits published text into the literal pieces between markers.
fn literals(published: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = published;
    while let Some((at, len)) = next_marker(rest) {
        pieces.push(&rest[..at]);
        rest = &rest[at + len..];
    }
    pieces.push(rest);
    pieces
}

/// The byte offset one character after `at` in `text` (so a redacted span is never empty).
fn one_char_after(text: &str, at: usize) -> Option<usize> {
    text[at..].chars().next().map(|c| at + c.len_utf8())
}

/// Whether `published` is `original` with nothing changed but redactions: it equals the
/// original once each marker in it is read as "one or more characters of the original were
/// here". Identical texts are a redaction of nothing, so not an edit either.
pub fn is_redaction_only(original: &str, published: &str) -> bool {
    if original == published {
        return true;
    }
    let pieces = literals(published);
    let Some((first, rest)) = pieces.split_first() else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        // No marker at all, and the texts differ.
        return false;
    };
    let Some(mut pos) = original.strip_prefix(first).map(|_| first.len()) else {
        return false;
    };
    // Leftmost matches are always safe for patterns made of literals and wildcards.
    for piece in middle {
        let Some(from) = one_char_after(original, pos) else {
            return false;
        };
        let Some(found) = original[from..].find(piece) else {
            return false;
        };
        pos = from + found + piece.len();
    }
    let Some(from) = one_char_after(original, pos) else {
        return false;
    };
    original.len() >= from + last.len() && original[from..].ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_counts_as_only_a_redaction() {
        let original = "Maria fixed account 12345678 and asked about my surgery.";
        let cases: &[(&str, &str, bool)] = &[
            ("the same words", original, true),
            (
                "one span replaced",
                "Maria fixed account […] and asked about my surgery.",
                true,
            ),
            (
                "two spans replaced",
                "Maria fixed account […] and asked about my […].",
                true,
            ),
            (
                "typed with three dots",
                "Maria fixed account [...] and asked about my surgery.",
                true,
            ),
            (
                "the start replaced",
                "[…] account 12345678 and asked about my surgery.",
                true,
            ),
            ("the end replaced", "Maria fixed account 12345678 […]", true),
            ("everything replaced", "[…]", true),
            ("a mangled marker", "Maria fixed account [……]", false),
            ("two markers in a row", "Maria fixed account […][…]", true),
            (
                "deleted without a marker",
                "Maria fixed account and asked about my surgery.",
                false,
            ),
            (
                "a word changed",
                "Maria fixed account 12345678 and asked about my cat.",
                false,
            ),
            (
                "a word added",
                "Maria quickly fixed account 12345678 and asked about my surgery.",
                false,
            ),
            (
                "a marker standing for nothing",
                "Maria fixed […]account 12345678 and asked about my surgery.",
                false,
            ),
            (
                "a marker plus a rewording",
                "Maria fixed account […] and was lovely.",
                false,
            ),
            (
                "a span that is not in the original",
                "Maria fixed account […] and […] about my surgery!",
                false,
            ),
            ("an empty text", "", false),
            (
                "a marker at the very end of a longer text",
                "Maria fixed account 12345678 and asked about my surgery.[…]",
                false,
            ),
        ];
        for (what, published, want) in cases {
            assert_eq!(
                is_redaction_only(original, published),
                *want,
                "{what}: {published}"
            );
        }
    }

    #[test]
    fn markers_in_the_original_and_other_scripts() {
        assert!(is_redaction_only("Quote: […] ok", "Quote: […] ok"));
        assert!(is_redaction_only("Quote: […] ok", "Quote: […]"));
        assert!(is_redaction_only("José 李雷 helped", "José […] helped"));
        assert!(!is_redaction_only(
            "José 李雷 helped",
            "José […]李雷 helped"
        ));
        assert!(is_redaction_only("a b a b c", "a […] c"));
        assert!(is_redaction_only("abcabc", "[…]c"));
        assert!(!is_redaction_only("abc", "abc […]"));
    }
}
