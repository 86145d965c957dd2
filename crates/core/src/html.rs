//! Escaping text for HTML: the one function the search highlighter and the theme's
//! formatter share. Quotes of both kinds are escaped, so the result is safe in text and in
//! attributes however a theme quotes them.

pub fn push_escaped(out: &mut String, text: &str) {
    push_escaped_as(out, text, Escape::Theme);
}

/// Which characters besides `& < > "` are written as references.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// Single quotes too (`&#39;`): what a theme writes.
    Theme,
    /// No-break spaces too (`&nbsp;`), single quotes left: a stored body's canonical form.
    Body,
}

/// Appends `text` escaped as `how` says, copying the runs between the escaped characters
/// whole (every one of them is ASCII but the no-break space, whose first byte starts a
/// character, so each cut falls between characters).
pub(crate) fn push_escaped_as(out: &mut String, text: &str, how: Escape) {
    let bytes = text.as_bytes();
    out.reserve(text.len());
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (reference, width) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' if how == Escape::Theme => ("&#39;", 1),
            0xc2 if how == Escape::Body && bytes.get(i + 1) == Some(&0xa0) => ("&nbsp;", 2),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[run..i]);
        out.push_str(reference);
        i += width;
        run = i;
    }
    out.push_str(&text[run..]);
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

    #[test]
    fn a_body_keeps_single_quotes_and_names_no_break_spaces() {
        let mut out = String::from("«");
        super::push_escaped_as(&mut out, "ق\u{a0}'ك' & <ب>\u{a0}", super::Escape::Body);
        assert_eq!(out, "«ق&nbsp;'ك' &amp; &lt;ب&gt;&nbsp;");
    }
}
