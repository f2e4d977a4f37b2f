//! Checks shared by the text newtypes: control characters and invisible formatting tricks.

use super::Invalid;

/// Every Unicode format character (general category Cf, Unicode 15.1), plus the unassigned
/// rest of the U+2060 block, inclusive ranges, sorted.
const FORMAT: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// Characters that look like nothing: the Hangul fillers and the half-width one.
const FILLERS: &[char] = &['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}'];

/// Variation selectors: the standard ones (VS15 and VS16 among them), the Mongolian ones
/// and the ideographic supplement.
const VARIATION_SELECTORS: &[(char, char)] = &[
    ('\u{180B}', '\u{180D}'),
    ('\u{180F}', '\u{180F}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{E0100}', '\u{E01EF}'),
];

fn in_ranges(c: char, ranges: &[(char, char)]) -> bool {
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Characters that can hide or reorder text: every format character (bidi controls,
/// zero-width marks, the BOM, the soft hyphen, tags…), the fillers and the variation
/// selectors. Where no emoji belongs (email addresses) all of them are refused.
pub fn is_invisible_trick(c: char) -> bool {
    in_ranges(c, FORMAT) || FILLERS.contains(&c) || in_ranges(c, VARIATION_SELECTORS)
}

const ZWJ: char = '\u{200D}';
const VS15: char = '\u{FE0E}';
const VS16: char = '\u{FE0F}';
const BLACK_FLAG: char = '\u{1F3F4}';
const CANCEL_TAG: char = '\u{E007F}';

/// Characters that can be (or start) an emoji, a generous reading of Unicode's
/// Extended_Pictographic plus the regional indicators and skin tones (all in U+1F000…).
fn is_pictographic(c: char) -> bool {
    matches!(c,
        '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{2199}' | '\u{21A9}'..='\u{21AA}' | '\u{231A}'..='\u{231B}'
        | '\u{2328}' | '\u{2388}' | '\u{23CF}' | '\u{23E9}'..='\u{23FA}' | '\u{24C2}'
        | '\u{25AA}'..='\u{25AB}' | '\u{25B6}' | '\u{25C0}' | '\u{25FB}'..='\u{25FE}'
        | '\u{2600}'..='\u{27BF}' | '\u{2934}'..='\u{2935}' | '\u{2B05}'..='\u{2B07}'
        | '\u{2B1B}'..='\u{2B1C}' | '\u{2B50}' | '\u{2B55}' | '\u{3030}' | '\u{303D}'
        | '\u{3297}' | '\u{3299}' | '\u{1F000}'..='\u{1FAFF}' | '\u{1FC00}'..='\u{1FFFD}')
}

/// What may take an emoji or text presentation selector: pictographs and keycap bases.
fn takes_presentation(c: char) -> bool {
    is_pictographic(c) || c.is_ascii_digit() || c == '#' || c == '*'
}

/// Refuses every invisible trick ([`is_invisible_trick`]) except where an emoji needs it:
/// a zero-width joiner between two emoji (👩‍💻), VS15/VS16 right after a character that
/// has a text and an emoji form (❤️, 1️⃣), and tag characters in a flag's tag sequence
/// after U+1F3F4, ended by CANCEL TAG (🏴󠁧󠁢󠁳󠁣󠁴󠁿).
pub fn has_invisible_trick(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        if c == BLACK_FLAG && next.is_some_and(|n| ('\u{E0020}'..='\u{E007E}').contains(&n)) {
            // A flag's tag sequence: tag letters, then CANCEL TAG.
            let mut j = i + 1;
            while chars
                .get(j)
                .is_some_and(|t| ('\u{E0020}'..='\u{E007E}').contains(t))
            {
                j += 1;
            }
            if chars.get(j) != Some(&CANCEL_TAG) {
                return true;
            }
            i = j + 1;
            continue;
        }
        if is_invisible_trick(c) {
            let allowed = match c {
                ZWJ => {
                    prev.is_some_and(|p| is_pictographic(p) || p == VS16)
                        && next.is_some_and(is_pictographic)
                }
                VS15 | VS16 => prev.is_some_and(takes_presentation),
                _ => false,
            };
            if !allowed {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// One line of text: trimmed, inner runs of white space folded to one space, no control
/// characters (so it can never break a mail header), between 1 and `max` characters.
pub fn single_line(input: &str, what: &str, max: usize) -> Result<String, Invalid> {
    if input.chars().any(|c| c.is_control() && c != ' ') {
        return Err(Invalid::new(format!(
            "{what} cannot contain line breaks or control characters."
        )));
    }
    if has_invisible_trick(input) {
        return Err(Invalid::new(format!(
            "{what} contains invisible formatting characters."
        )));
    }
    let folded = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return Err(Invalid::new(format!(
            "Please enter {}.",
            what.to_lowercase()
        )));
    }
    if folded.chars().count() > max {
        return Err(Invalid::new(format!(
            "{what} must be at most {max} characters."
        )));
    }
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn single_line_folds_and_refuses() {
        assert_eq!(
            single_line("  Pat \u{00A0}  Doe ", "Name", 10).unwrap(),
            "Pat Doe"
        );
        assert!(single_line("Pat\r\nBcc: x@y.z", "Name", 100).is_err());
        assert!(single_line("Pat\u{202E}eoD", "Name", 100).is_err());
        assert!(single_line("   ", "Name", 100).is_err());
        assert!(single_line("abcdefghijk", "Name", 10).is_err());
        assert_eq!(single_line("José 李雷", "Name", 10).unwrap(), "José 李雷");
    }

    /// Every Cf character of Unicode 15.1 (from UnicodeData.txt), one per range.
    const ALL_CF: &[char] = &[
        '\u{00AD}',
        '\u{0600}',
        '\u{0601}',
        '\u{0602}',
        '\u{0603}',
        '\u{0604}',
        '\u{0605}',
        '\u{061C}',
        '\u{06DD}',
        '\u{070F}',
        '\u{0890}',
        '\u{0891}',
        '\u{08E2}',
        '\u{180E}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2060}',
        '\u{2061}',
        '\u{2062}',
        '\u{2063}',
        '\u{2064}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{206A}',
        '\u{206B}',
        '\u{206C}',
        '\u{206D}',
        '\u{206E}',
        '\u{206F}',
        '\u{FEFF}',
        '\u{FFF9}',
        '\u{FFFA}',
        '\u{FFFB}',
        '\u{110BD}',
        '\u{110CD}',
        '\u{13430}',
        '\u{13438}',
        '\u{1343F}',
        '\u{1BCA0}',
        '\u{1BCA3}',
        '\u{1D173}',
        '\u{1D17A}',
        '\u{E0001}',
        '\u{E0020}',
        '\u{E0041}',
        '\u{E007F}',
    ];

    #[test]
    fn every_format_character_filler_and_selector_is_refused_in_text() {
        let others = [
            '\u{115F}',
            '\u{1160}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{FE00}',
            '\u{FE0E}',
            '\u{FE0F}',
            '\u{E0100}',
            '\u{180B}',
        ];
        for c in ALL_CF.iter().chain(&others).copied() {
            assert!(is_invisible_trick(c), "{c:?} is not flagged");
            for text in [
                format!("Pat{c}Doe"),
                format!("{c}Pat"),
                format!("Pat{c}"),
                format!("a {c} b"),
            ] {
                assert!(has_invisible_trick(&text), "{text:?} passed");
                assert!(
                    single_line(&text, "Name", 100).is_err(),
                    "{text:?} accepted as a name"
                );
            }
        }
    }

    #[test]
    fn emoji_sequences_keep_working() {
        for ok in [
            "Thanks \u{2764}\u{FE0F}",             // ❤️
            "\u{1F469}\u{200D}\u{1F4BB} fixed it", // 👩‍💻
            "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}",
            "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}", // rainbow flag
            "\u{1F441}\u{FE0F}\u{200D}\u{1F5E8}\u{FE0F}", // eye in speech bubble
            "\u{1F44D}\u{1F3FD} great",           // thumbs up, skin tone
            "\u{1F9D1}\u{1F3FF}\u{200D}\u{1F91D}\u{200D}\u{1F9D1}\u{1F3FB}",
            "\u{1F469}\u{200D}\u{2695}\u{FE0F}", // health worker
            "1\u{FE0F}\u{20E3} call",            // keycap 1
            "#\u{FE0F}\u{20E3}",
            "\u{263A}\u{FE0E} text style",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} from Scotland",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0077}\u{E006C}\u{E0073}\u{E007F}\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
            "\u{1F1EB}\u{1F1F7} merci", // flag of France
            "\u{1F3F4} a black flag alone",
            "Jos\u{E9} \u{674E}\u{96F7} \u{645}\u{631}\u{62D}\u{628}\u{627}",
        ] {
            assert!(!has_invisible_trick(ok), "{ok:?} refused");
            assert!(
                single_line(ok, "Name", 100).is_ok(),
                "{ok:?} refused as a name"
            );
        }
    }

    #[test]
    fn emoji_controls_out_of_place_are_refused() {
        for bad in [
            "a\u{200D}b",                    // ZWJ between letters
            "\u{200D}👍",                    // ZWJ with nothing before
            "👍\u{200D}",                    // ZWJ with nothing after
            "👍\u{200D}\u{200D}👍",          // two joiners
            "👍\u{200D}a",                   // ZWJ before a letter
            "a\u{FE0F}",                     // VS16 after a letter
            "\u{FE0F}",                      // VS16 alone
            "❤\u{FE0F}\u{FE0F}",             // two selectors
            "\u{FE0F}\u{200D}👍",            // VS16 with no emoji before
            "Pat\u{E0041}\u{E007F}",         // tags not after a black flag
            "🏴\u{E0067}\u{E0062}",          // tag sequence not ended
            "🏴\u{E007F}",                   // CANCEL TAG with no tags
            "🏴\u{E0067}\u{E007F}\u{E007F}", // a second CANCEL TAG
            "🏴\u{E0001}\u{E007F}",          // the language tag
            "❤\u{FE00}",                     // another selector
        ] {
            assert!(has_invisible_trick(bad), "{bad:?} accepted");
        }
    }

    proptest! {
        /// Any text with a format character, filler or selector slipped in somewhere
        /// between ordinary characters is refused.
        #[test]
        fn an_inserted_invisible_is_always_refused(
            before in "[a-zA-Z é李]{0,20}",
            after in "[a-zA-Z é李]{0,20}",
            pick in 0usize..64,
        ) {
            let pool: Vec<char> = ALL_CF
                .iter()
                .copied()
                .chain(['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}', '\u{FE0F}', '\u{FE0E}', '\u{E0100}'])
                .collect();
            let c = pool[pick % pool.len()];
            let text = format!("{before}{c}{after}");
            prop_assert!(has_invisible_trick(&text), "{:?} passed", text);
        }

        /// Text without any of them is never refused for them.
        #[test]
        fn ordinary_text_passes(text in "\\PC{0,40}") {
            if !text.chars().any(is_invisible_trick) {
                prop_assert!(!has_invisible_trick(&text), "{:?} refused", text);
            }
        }
    }
}
