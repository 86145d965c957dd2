//! The JSON Lines exchange format of `midad import` and `midad export` (a public contract:
//! other tools write it). One record per line; unknown fields are an error.

use crate::error::{ErrorCode, ValidationError};
use crate::model::{ArticleKind, MAX_TITLE, Status};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// One line of an exchange file, as written. Field meanings are DESIGN.md's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_alt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_credit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seo_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seo_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub breaking: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub featured: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A record whose enumerations and dates have been checked and parsed.
#[derive(Clone, Debug)]
pub struct CheckedRecord {
    pub record: Record,
    pub kind: ArticleKind,
    pub status: Status,
    pub published_at: Option<DateTime<FixedOffset>>,
    pub updated_at: Option<DateTime<FixedOffset>>,
}

/// Parses one line. Every problem the line has is reported, so a newsroom fixing a file
/// does not discover them one run at a time.
pub fn parse_line(line: &str) -> Result<CheckedRecord, Vec<ValidationError>> {
    let record: Record = serde_json::from_str(line).map_err(|e| vec![json_error(&e)])?;
    check(record)
}

/// Checks a record that is already deserialised.
pub fn check(record: Record) -> Result<CheckedRecord, Vec<ValidationError>> {
    let mut errors = Vec::new();
    let kind = match record.kind.as_deref() {
        None => ArticleKind::Article,
        Some(k) => ArticleKind::parse(k).unwrap_or_else(|| {
            errors.push(
                ValidationError::new("kind", ErrorCode::KindUnknown)
                    .with_detail(format!("«{k}»; expected article, caricature or page")),
            );
            ArticleKind::Article
        }),
    };
    let status = match record.status.as_deref() {
        None => Status::Published,
        Some(s) => Status::parse(s).unwrap_or_else(|| {
            errors.push(
                ValidationError::new("status", ErrorCode::StatusUnknown).with_detail(format!(
                    "«{s}»; expected draft, pending, scheduled, published or archived"
                )),
            );
            Status::Draft
        }),
    };
    let title = record.title.as_deref().unwrap_or("").trim();
    if title.is_empty() {
        errors.push(ValidationError::new("title", ErrorCode::TitleRequired));
    } else if title.chars().count() > MAX_TITLE {
        errors.push(
            ValidationError::new("title", ErrorCode::TitleTooLong)
                .with_detail(format!("at most {MAX_TITLE} characters")),
        );
    }
    let body_blank = record
        .body_html
        .as_deref()
        .is_none_or(|b| b.trim().is_empty());
    if kind != ArticleKind::Caricature && body_blank {
        errors.push(ValidationError::new("body_html", ErrorCode::BodyRequired));
    }
    if kind == ArticleKind::Caricature
        && record.image.as_deref().is_none_or(|i| i.trim().is_empty())
    {
        errors.push(ValidationError::new("image", ErrorCode::ImageRequired));
    }
    if kind != ArticleKind::Page && record.parent.is_some() {
        errors.push(ValidationError::new("parent", ErrorCode::ParentNotAllowed));
    }
    let published_at = parse_date("published_at", record.published_at.as_deref(), &mut errors);
    let updated_at = parse_date("updated_at", record.updated_at.as_deref(), &mut errors);
    if status == Status::Scheduled && published_at.is_none() && record.published_at.is_none() {
        errors.push(
            ValidationError::new("published_at", ErrorCode::DateInvalid)
                .with_detail("a scheduled item needs its publication time"),
        );
    }
    for (field, names) in [("tags", &record.tags), ("authors", &record.authors)] {
        if let Some(e) = names
            .iter()
            .find_map(|n| crate::model::validate_name(field, n).err())
        {
            errors.push(e);
        }
    }
    if let Some(section) = &record.section
        && let Err(e) = crate::model::validate_name("section", section)
    {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok(CheckedRecord {
            record,
            kind,
            status,
            published_at,
            updated_at,
        })
    } else {
        Err(errors)
    }
}

fn parse_date(
    field: &str,
    value: Option<&str>,
    errors: &mut Vec<ValidationError>,
) -> Option<DateTime<FixedOffset>> {
    let v = value?;
    match DateTime::parse_from_rfc3339(v.trim()) {
        Ok(t) => Some(t),
        Err(_) => {
            errors.push(
                ValidationError::new(field, ErrorCode::DateInvalid).with_detail(format!(
                    "«{v}»; expected RFC 3339 with an offset, e.g. 2020-01-14T12:00:00+03:00"
                )),
            );
            None
        }
    }
}

/// Turns serde's message into a stable code plus its human detail.
fn json_error(e: &serde_json::Error) -> ValidationError {
    let msg = e.to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        return ValidationError::new(field, ErrorCode::FieldUnknown)
            .with_detail(format!("«{field}» is not a field of the exchange format"));
    }
    // Type errors name the field only in the position; keep serde's text, it is precise.
    ValidationError::new("line", ErrorCode::JsonInvalid).with_detail(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(line: &str) -> Vec<ErrorCode> {
        parse_line(line)
            .unwrap_err()
            .into_iter()
            .map(|e| e.code)
            .collect()
    }

    #[test]
    fn a_full_line_parses() {
        let r = parse_line(r#"{"kind":"article","title":"عنوان","body_html":"<p>نص</p>","section":"سياسة","tags":["أ"],"published_at":"2020-01-14T12:00:00+03:00","breaking":true,"external_id":"wp-1"}"#).unwrap();
        assert_eq!(r.kind, ArticleKind::Article);
        assert_eq!(r.status, Status::Published);
        assert_eq!(
            r.published_at.unwrap().to_rfc3339(),
            "2020-01-14T12:00:00+03:00"
        );
        assert!(r.record.breaking);
    }

    #[test]
    fn each_problem_has_its_own_code() {
        assert_eq!(
            codes(r#"{"title":"x","body_html":"y","colour":"red"}"#),
            vec![ErrorCode::FieldUnknown]
        );
        assert_eq!(
            codes(r#"{"body_html":"y"}"#),
            vec![ErrorCode::TitleRequired]
        );
        assert_eq!(codes(r#"{"title":"x"}"#), vec![ErrorCode::BodyRequired]);
        assert_eq!(
            codes(r#"{"title":"x","body_html":"y","published_at":"14/01/2020"}"#),
            vec![ErrorCode::DateInvalid]
        );
        assert_eq!(
            codes(r#"{"kind":"caricature","title":"x"}"#),
            vec![ErrorCode::ImageRequired]
        );
        assert_eq!(
            codes(r#"{"title":"x","body_html":"y","kind":"video"}"#),
            vec![ErrorCode::KindUnknown]
        );
        assert_eq!(
            codes(r#"{"title":"x","body_html":"y","status":"live"}"#),
            vec![ErrorCode::StatusUnknown]
        );
        assert_eq!(codes("{not json"), vec![ErrorCode::JsonInvalid]);
        assert_eq!(
            codes(r#"{"title":5,"body_html":"y"}"#),
            vec![ErrorCode::JsonInvalid]
        );
    }

    #[test]
    fn all_problems_of_a_line_are_reported() {
        assert_eq!(
            codes(r#"{"status":"live","published_at":"yesterday"}"#),
            vec![
                ErrorCode::StatusUnknown,
                ErrorCode::TitleRequired,
                ErrorCode::BodyRequired,
                ErrorCode::DateInvalid
            ]
        );
    }
}
