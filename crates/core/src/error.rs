//! Validation errors with stable codes: the code is the API's contract, the Arabic message is
//! what a newsroom sees, the English one is for logs and English-language sites.

use serde::Serialize;
use std::fmt;

/// A stable, snake_case error code. Never rename a variant's code: API clients match on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    TitleRequired,
    TitleTooLong,
    BodyRequired,
    SlugInvalid,
    SlugTaken,
    TextTooLong,
    ImageRequired,
    ImageNotFound,
    NameRequired,
    NameTooLong,
    EmailInvalid,
    EmailTaken,
    PasswordTooShort,
    PasswordTooLong,
    RoleUnknown,
    KindUnknown,
    StatusUnknown,
    DateInvalid,
    ParentNotFound,
    ParentNotAllowed,
    SectionCycle,
    LocaleInvalid,
    TimezoneInvalid,
    DigitsInvalid,
    OutOfRange,
    UrlInvalid,
    FieldUnknown,
    JsonInvalid,
    ExternalIdRepeated,
    ImageInvalid,
    VersionConflict,
    NotFound,
    PathInvalid,
    RedirectLoop,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::TitleRequired => "title_required",
            ErrorCode::TitleTooLong => "title_too_long",
            ErrorCode::BodyRequired => "body_required",
            ErrorCode::SlugInvalid => "slug_invalid",
            ErrorCode::SlugTaken => "slug_taken",
            ErrorCode::TextTooLong => "text_too_long",
            ErrorCode::ImageRequired => "image_required",
            ErrorCode::ImageNotFound => "image_not_found",
            ErrorCode::NameRequired => "name_required",
            ErrorCode::NameTooLong => "name_too_long",
            ErrorCode::EmailInvalid => "email_invalid",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::PasswordTooShort => "password_too_short",
            ErrorCode::PasswordTooLong => "password_too_long",
            ErrorCode::RoleUnknown => "role_unknown",
            ErrorCode::KindUnknown => "kind_unknown",
            ErrorCode::StatusUnknown => "status_unknown",
            ErrorCode::DateInvalid => "date_invalid",
            ErrorCode::ParentNotFound => "parent_not_found",
            ErrorCode::ParentNotAllowed => "parent_not_allowed",
            ErrorCode::SectionCycle => "section_cycle",
            ErrorCode::LocaleInvalid => "locale_invalid",
            ErrorCode::TimezoneInvalid => "timezone_invalid",
            ErrorCode::DigitsInvalid => "digits_invalid",
            ErrorCode::OutOfRange => "out_of_range",
            ErrorCode::UrlInvalid => "url_invalid",
            ErrorCode::FieldUnknown => "field_unknown",
            ErrorCode::JsonInvalid => "json_invalid",
            ErrorCode::ExternalIdRepeated => "external_id_repeated",
            ErrorCode::ImageInvalid => "image_invalid",
            ErrorCode::VersionConflict => "version_conflict",
            ErrorCode::NotFound => "not_found",
            ErrorCode::PathInvalid => "path_invalid",
            ErrorCode::RedirectLoop => "redirect_loop",
        }
    }

    /// What the newsroom reads.
    pub fn message_ar(self) -> &'static str {
        match self {
            ErrorCode::TitleRequired => "العنوان مطلوب",
            ErrorCode::TitleTooLong => "العنوان أطول من المسموح",
            ErrorCode::BodyRequired => "نص المادة مطلوب",
            ErrorCode::SlugInvalid => "الرابط المختصر غير صالح",
            ErrorCode::SlugTaken => "الرابط المختصر مستخدم من قبل",
            ErrorCode::TextTooLong => "النص أطول من المسموح",
            ErrorCode::ImageRequired => "الصورة مطلوبة",
            ErrorCode::ImageNotFound => "ملف الصورة غير موجود",
            ErrorCode::NameRequired => "الاسم مطلوب",
            ErrorCode::NameTooLong => "الاسم أطول من المسموح",
            ErrorCode::EmailInvalid => "البريد الإلكتروني غير صالح",
            ErrorCode::EmailTaken => "البريد الإلكتروني مستخدم من قبل",
            ErrorCode::PasswordTooShort => "كلمة المرور قصيرة جدًا (١٠ أحرف على الأقل)",
            ErrorCode::PasswordTooLong => "كلمة المرور أطول من المسموح",
            ErrorCode::RoleUnknown => "الدور غير معروف",
            ErrorCode::KindUnknown => "نوع المادة غير معروف",
            ErrorCode::StatusUnknown => "الحالة غير معروفة",
            ErrorCode::DateInvalid => "التاريخ غير صالح",
            ErrorCode::ParentNotFound => "الصفحة الأم غير موجودة",
            ErrorCode::ParentNotAllowed => "لا يكون للمادة أب إلا إذا كانت صفحة",
            ErrorCode::SectionCycle => "لا يمكن أن يكون القسم أبًا لنفسه",
            ErrorCode::LocaleInvalid => "اللغة غير معروفة",
            ErrorCode::TimezoneInvalid => "المنطقة الزمنية غير معروفة",
            ErrorCode::DigitsInvalid => "نوع الأرقام غير معروف",
            ErrorCode::OutOfRange => "القيمة خارج الحدود المسموح بها",
            ErrorCode::UrlInvalid => "الرابط غير صالح",
            ErrorCode::FieldUnknown => "حقل غير معروف",
            ErrorCode::JsonInvalid => "سطر JSON غير صالح",
            ErrorCode::ExternalIdRepeated => "المعرّف الخارجي مكرر في الملف",
            ErrorCode::ImageInvalid => "ملف الصورة ليس صورة مقبولة",
            ErrorCode::VersionConflict => "عدّل شخص آخر هذه المادة في الأثناء",
            ErrorCode::NotFound => "غير موجود",
            ErrorCode::PathInvalid => "المسار غير صالح: يبدأ بـ / ولا يحوي مسافات ولا اسم نطاق",
            ErrorCode::RedirectLoop => "التحويل يعود إلى المسار نفسه",
        }
    }

    /// For logs, the command line and English-language sites.
    pub fn message_en(self) -> &'static str {
        match self {
            ErrorCode::TitleRequired => "the title is required",
            ErrorCode::TitleTooLong => "the title is too long",
            ErrorCode::BodyRequired => "the body is required",
            ErrorCode::SlugInvalid => "the slug is not valid",
            ErrorCode::SlugTaken => "the slug is already used",
            ErrorCode::TextTooLong => "the text is too long",
            ErrorCode::ImageRequired => "an image is required",
            ErrorCode::ImageNotFound => "the image file does not exist",
            ErrorCode::NameRequired => "the name is required",
            ErrorCode::NameTooLong => "the name is too long",
            ErrorCode::EmailInvalid => "the email address is not valid",
            ErrorCode::EmailTaken => "the email address is already used",
            ErrorCode::PasswordTooShort => "the password is too short (at least 10 characters)",
            ErrorCode::PasswordTooLong => "the password is too long",
            ErrorCode::RoleUnknown => "unknown role",
            ErrorCode::KindUnknown => "unknown kind",
            ErrorCode::StatusUnknown => "unknown status",
            ErrorCode::DateInvalid => "not a valid date",
            ErrorCode::ParentNotFound => "the parent does not exist",
            ErrorCode::ParentNotAllowed => "only pages have a parent",
            ErrorCode::SectionCycle => "a section cannot be its own parent",
            ErrorCode::LocaleInvalid => "unknown locale",
            ErrorCode::TimezoneInvalid => "unknown time zone",
            ErrorCode::DigitsInvalid => "digits must be \"arab\" or \"latn\"",
            ErrorCode::OutOfRange => "the value is out of the allowed range",
            ErrorCode::UrlInvalid => "not a valid URL",
            ErrorCode::FieldUnknown => "unknown field",
            ErrorCode::JsonInvalid => "not valid JSON",
            ErrorCode::ExternalIdRepeated => "this external_id appears earlier in the file",
            ErrorCode::ImageInvalid => "the image file is not an accepted image",
            ErrorCode::VersionConflict => "someone else changed this item meanwhile",
            ErrorCode::NotFound => "not found",
            ErrorCode::PathInvalid => "the path must start with / and hold no spaces or host name",
            ErrorCode::RedirectLoop => "the redirect leads back to the same path",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule: which field, which rule, and optionally the detail (the offending value,
/// the limit) that makes the message actionable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidationError {
    pub field: String,
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, code: ErrorCode) -> Self {
        ValidationError {
            field: field.into(),
            code,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({} / {})",
            self.field,
            self.code,
            self.code.message_en(),
            self.code.message_ar()
        )?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// Every rule an input broke, so a form or an import can report them all at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Violations(pub Vec<ValidationError>);

impl Violations {
    pub fn push(&mut self, e: ValidationError) {
        self.0.push(e);
    }
    pub fn add(&mut self, field: &str, code: ErrorCode) {
        self.0.push(ValidationError::new(field, code));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
    pub fn codes(&self) -> Vec<ErrorCode> {
        self.0.iter().map(|e| e.code).collect()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}
