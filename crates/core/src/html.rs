//! Escaping text for HTML: the one function the search highlighter and the theme's
//! formatter share. Quotes of both kinds are escaped, so the result is safe in text and in
//! attributes however a theme quotes them.

pub fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_both_quotes() {
        let mut out = String::new();
        super::push_escaped(&mut out, r#"<a href="x" title='y'>ق & ك</a>"#);
        assert_eq!(
            out,
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;ق &amp; ك&lt;/a&gt;"
        );
    }
}
