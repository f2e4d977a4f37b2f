//! What a browser (or a feed reader) makes of a page, closely enough for the escaping tests:
//! elements with their attributes, and text with its entities decoded. `<title>` and
//! `<textarea>` hold text only until their own end tag, `<script>` and `<style>` hold raw
//! text, as in HTML; an Atom feed is read as XML. A payload written out unescaped becomes
//! elements here, and is no longer one piece of text.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Html,
    Xml,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Start {
        name: String,
        attrs: Vec<(String, String)>,
    },
    End(String),
    /// Text, entities decoded.
    Text(String),
    /// `<!…>` or `<?…>`: the doctype, a comment, a CDATA section, the XML declaration.
    Other(String),
}

/// A page, read.
pub struct Markup {
    pub tokens: Vec<Token>,
    syntax: Syntax,
}

/// Elements none of our pages contains, which load or run something.
const FORBIDDEN: &[&str] = &[
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "math", "mglyph",
    "mtext",
];

/// Attributes whose value is fetched or followed as a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "xlink:href",
];

/// What an Atom feed may hold.
const ATOM: &[&str] = &[
    "feed",
    "title",
    "subtitle",
    "id",
    "link",
    "updated",
    "author",
    "name",
    "entry",
    "published",
    "category",
    "content",
];

impl Markup {
    pub fn html(src: &str) -> Self {
        Self {
            tokens: Lexer::new(src, Syntax::Html).run(),
            syntax: Syntax::Html,
        }
    }

    pub fn xml(src: &str) -> Self {
        Self {
            tokens: Lexer::new(src, Syntax::Xml).run(),
            syntax: Syntax::Xml,
        }
    }

    /// Every run of text and every attribute value, decoded: what people read.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().flat_map(|t| match t {
            Token::Text(text) => vec![text.as_str()],
            Token::Start { attrs, .. } => attrs.iter().map(|(_, v)| v.as_str()).collect(),
            Token::End(_) | Token::Other(_) => Vec::new(),
        })
    }

    /// Whether `words` appear whole, as text or in an attribute's value.
    pub fn shows(&self, words: &str) -> bool {
        self.strings().any(|s| s.contains(words))
    }

    /// Whether some text or attribute value is exactly `words`.
    pub fn has(&self, words: &str) -> bool {
        self.strings().any(|s| s.trim() == words)
    }

    /// The tokens that would run script, load something or leave the feed's vocabulary, as
    /// written; empty for a page that is safe to show.
    pub fn live(&self) -> Vec<String> {
        self.tokens
            .iter()
            .filter(|t| match self.syntax {
                Syntax::Html => live_in_html(t),
                Syntax::Xml => live_in_atom(t),
            })
            .map(|t| format!("{t:?}"))
            .collect()
    }

    /// The text of the first `element`, joined.
    pub fn text_of(&self, element: &str) -> Option<String> {
        let at = self
            .tokens
            .iter()
            .position(|t| matches!(t, Token::Start { name, .. } if name == element))?;
        let mut text = String::new();
        for token in &self.tokens[at + 1..] {
            match token {
                Token::End(name) if name == element => break,
                Token::Text(t) => text.push_str(t),
                _ => {}
            }
        }
        Some(text)
    }

    /// The `content` of `<meta property=key>` or `<meta name=key>`.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.tokens.iter().find_map(|t| match t {
            Token::Start { name, attrs } if name == "meta" => {
                let named = attrs
                    .iter()
                    .any(|(k, v)| (k == "property" || k == "name") && v == key);
                named.then(|| attr(attrs, "content")).flatten()
            }
            _ => None,
        })
    }

    /// Where the link whose text is `label` leads.
    pub fn link(&self, label: &str) -> Option<String> {
        self.tokens.windows(2).find_map(|pair| match pair {
            [Token::Start { name, attrs }, Token::Text(text)] if name == "a" && text == label => {
                attr(attrs, "href").map(str::to_owned)
            }
            _ => None,
        })
    }

    /// Every `href` on the page.
    pub fn hrefs(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Start { attrs, .. } => attr(attrs, "href"),
            _ => None,
        })
    }

    /// An Atom feed's entries.
    pub fn entries(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        let mut inside: Option<&str> = None;
        for token in &self.tokens {
            match token {
                Token::Start { name, .. } if name == "entry" => entries.push(Entry::default()),
                Token::Start { name, attrs } if name == "category" => {
                    if let (Some(entry), Some(term)) = (entries.last_mut(), attr(attrs, "term")) {
                        entry.categories.push(term.to_owned());
                    }
                }
                Token::Start { name, .. } => inside = Some(name),
                Token::End(_) => inside = None,
                Token::Text(text) => match (entries.last_mut(), inside) {
                    (Some(entry), Some("title")) => entry.title.push_str(text),
                    (Some(entry), Some("content")) => entry.content.push_str(text),
                    _ => {}
                },
                Token::Other(_) => {}
            }
        }
        entries
    }
}

/// One entry of an Atom feed, as a feed reader shows it.
#[derive(Debug, Default)]
pub struct Entry {
    pub title: String,
    pub content: String,
    pub categories: Vec<String>,
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn live_in_html(token: &Token) -> bool {
    let Token::Start { name, attrs } = token else {
        return false;
    };
    // The few our own templates use are allowed in the form they use them.
    let ours = match name.as_str() {
        "script" => attr(attrs, "src").is_some_and(|s| s.starts_with("/static/")),
        "link" => attrs.iter().any(|(k, v)| k == "rel" && v != "import"),
        "meta" => attrs.iter().all(|(k, _)| k != "http-equiv"),
        "img" => attr(attrs, "src").is_some_and(|s| s.starts_with("/to/")),
        _ => !FORBIDDEN.contains(&name.as_str()),
    };
    let handler = attrs.iter().any(|(k, _)| k.starts_with("on"));
    let script_url = attrs.iter().any(|(k, v)| {
        let url: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        URL_ATTRIBUTES.contains(&k.as_str()) && url.to_lowercase().starts_with("javascript:")
    });
    !ours || handler || script_url
}

fn live_in_atom(token: &Token) -> bool {
    match token {
        Token::Start { name, attrs } => {
            !ATOM.contains(&name.as_str())
                || attrs
                    .iter()
                    .any(|(k, _)| !["xmlns", "rel", "type", "href", "term"].contains(&k.as_str()))
        }
        Token::End(name) => !ATOM.contains(&name.as_str()),
        Token::Other(text) => !text.starts_with("<?xml "),
        Token::Text(_) => false,
    }
}

struct Lexer<'a> {
    src: &'a str,
    syntax: Syntax,
    at: usize,
    text_from: usize,
    tokens: Vec<Token>,
}

fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace()
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str, syntax: Syntax) -> Self {
        Self {
            src,
            syntax,
            at: 0,
            text_from: 0,
            tokens: Vec::new(),
        }
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(offset) = self.src[self.at..].find('<') {
            let start = self.at + offset;
            match self.markup(start) {
                Some((token, end)) => {
                    self.text_until(start);
                    let raw = match &token {
                        Token::Start { name, .. } if self.syntax == Syntax::Html => {
                            ["script", "style", "title", "textarea"]
                                .contains(&name.as_str())
                                .then(|| name.clone())
                        }
                        _ => None,
                    };
                    self.tokens.push(token);
                    self.at = end;
                    self.text_from = end;
                    if let Some(name) = raw {
                        self.raw_text(&name);
                    }
                }
                None => self.at = start + 1,
            }
        }
        self.text_until(self.src.len());
        self.tokens
    }

    fn text_until(&mut self, end: usize) {
        if self.text_from < end {
            let text = decode(&self.src[self.text_from..end]);
            self.tokens.push(Token::Text(text));
        }
        self.text_from = end;
    }

    /// The content of `<title>`, `<textarea>` (entities decoded), `<script>` or `<style>`:
    /// everything up to the element's own end tag.
    fn raw_text(&mut self, name: &str) {
        let lower = self.src[self.at..].to_ascii_lowercase();
        let end = lower
            .find(&format!("</{name}"))
            .map_or(self.src.len(), |e| self.at + e);
        let text = &self.src[self.at..end];
        if !text.is_empty() {
            let text = if name == "title" || name == "textarea" {
                decode(text)
            } else {
                text.to_owned()
            };
            self.tokens.push(Token::Text(text));
        }
        self.at = end;
        self.text_from = end;
    }

    /// The markup starting at `start` (a `<`) and where it ends, or None for a `<` that is
    /// only text.
    fn markup(&self, start: usize) -> Option<(Token, usize)> {
        let rest = &self.src[start..];
        let up_to = |pattern: &str, from: usize| {
            rest[from..]
                .find(pattern)
                .map_or(self.src.len(), |e| start + from + e + pattern.len())
        };
        if rest.starts_with("<!--") {
            let end = up_to("-->", 4);
            return Some((Token::Other(self.src[start..end].to_owned()), end));
        }
        if rest.starts_with("<![CDATA[") && self.syntax == Syntax::Xml {
            let end = up_to("]]>", 9);
            return Some((Token::Other(self.src[start..end].to_owned()), end));
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            let end = up_to(">", 2);
            return Some((Token::Other(self.src[start..end].to_owned()), end));
        }
        let bytes = rest.as_bytes();
        if rest.starts_with("</") && bytes.get(2).is_some_and(u8::is_ascii_alphabetic) {
            let name_end = rest[2..]
                .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .map_or(rest.len(), |e| e + 2);
            let name = self.name(&rest[2..name_end]);
            return Some((Token::End(name), up_to(">", name_end)));
        }
        if bytes.get(1).is_some_and(u8::is_ascii_alphabetic) {
            return Some(self.start_tag(start));
        }
        None
    }

    fn name(&self, text: &str) -> String {
        match self.syntax {
            Syntax::Html => text.to_ascii_lowercase(),
            Syntax::Xml => text.to_owned(),
        }
    }

    fn start_tag(&self, start: usize) -> (Token, usize) {
        let (src, b) = (self.src, self.src.as_bytes());
        let mut i = start + 1;
        while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
            i += 1;
        }
        let name = self.name(&src[start + 1..i]);
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (is_space(b[i]) || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            if b[i] == b'>' {
                i += 1;
                break;
            }
            let from = i;
            i += 1; // a name has at least one character, even `=`
            while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                i += 1;
            }
            let key = src[from..i].to_ascii_lowercase();
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            let mut value = "";
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let quote = b[i];
                    let from = i + 1;
                    i = from;
                    while i < b.len() && b[i] != quote {
                        i += 1;
                    }
                    value = &src[from..i];
                    i = (i + 1).min(b.len());
                } else {
                    let from = i;
                    while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                    value = &src[from..i];
                }
            }
            attrs.push((key, decode(value)));
        }
        (Token::Start { name, attrs }, i)
    }
}

/// Text with its character references replaced by the characters they stand for (once:
/// `&amp;lt;` is `&lt;`).
pub fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let reference = after
            .find(';')
            .filter(|end| *end <= 10)
            .and_then(|end| Some((character(&after[..end])?, end)));
        match reference {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn character(name: &str) -> Option<char> {
    if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        return char::from_u32(u32::from_str_radix(hex, 16).ok()?);
    }
    if let Some(decimal) = name.strip_prefix('#') {
        return char::from_u32(decimal.parse().ok()?);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "ldquo" => '\u{201C}',
        "rdquo" => '\u{201D}',
        "mdash" => '\u{2014}',
        "hellip" => '\u{2026}',
        "middot" => '\u{B7}',
        _ => return None,
    })
}

#[test]
fn the_reader_tells_markup_from_text() {
    let page = Markup::html(
        "<!doctype html><title>a &lt;b&gt; </p></title><p class=x title='&quot;q'>1 &amp;lt; 2\
         <img src=x onerror=alert(1)></p><textarea></textarea><script>alert(1)</script>",
    );
    assert_eq!(page.text_of("title").as_deref(), Some("a <b> </p>"));
    assert!(page.shows("1 &lt; 2") && page.shows("\"q"));
    assert!(!page.shows("<img"), "an element is not text");
    let live = page.live();
    assert_eq!(live.len(), 2, "{live:?}");
    assert!(live[0].contains("onerror") && live[1].contains("script"));
    assert!(Markup::html("<a href=' JavaScript:x'>y</a>").live().len() == 1);
    assert!(
        Markup::html("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
            .live()
            .is_empty()
    );
    let feed = Markup::xml(
        "<?xml version=\"1.0\"?><feed><entry><title>a</title><content>&lt;b&gt;</content><category term=\"t\"/></entry></feed>",
    );
    assert!(feed.live().is_empty());
    let entries = feed.entries();
    assert_eq!(
        (entries[0].title.as_str(), entries[0].content.as_str()),
        ("a", "<b>")
    );
    assert_eq!(entries[0].categories, ["t"]);
    assert_eq!(Markup::xml("<feed><b>x</b></feed>").live().len(), 2);
}
