//! `text_enum!`: a closed set of words (a status, a role, a kind) as a Rust enum, stored as
//! the same lower-case word in a TEXT column on both backends and written as that word by
//! serde and `Display`. A word the enum does not know is refused when parsed or loaded.
//! `text_sql!` stores any type with an `as_str` as TEXT (row ids use it too).

/// Declares `enum $name { $variant = "word", ... }` with `ALL`, `as_str`, `parse`,
/// `Display`, serde, and diesel's `ToSql`/`FromSql` for `Text` (so queries compare columns
/// with the enum and rows load into it). `$what` names the choice in the refusal message
/// ("Choose a role: rep, manager, admin.").
macro_rules! text_enum {
    (
        $(#[$meta:meta])* $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),* }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            pub fn parse(input: &str) -> Result<Self, $crate::domain::Invalid> {
                match input.trim() {
                    $($text => Ok(Self::$variant),)*
                    _ => Err($crate::domain::Invalid::new(format!(
                        concat!("Choose ", $what, ": {}."),
                        [$($text),*].join(", ")
                    ))),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::domain::text_sql!($name, |text| {
            Self::parse(&text).map_err(|_| {
                format!(concat!("unknown ", stringify!($name), " {:?}"), text).into()
            })
        });
    };
}
pub(crate) use text_enum;

/// Diesel's `ToSql`/`FromSql` for `Text` on any backend, for a type with an `as_str`: it is
/// written as that text, and read back by `$load`, an expression of the loaded `String`
/// (named by `$text`) that gives `diesel::deserialize::Result<Self>`.
macro_rules! text_sql {
    ($name:ty, |$text:ident| $load:expr) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let $text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                $load
            }
        }
    };
}
pub(crate) use text_sql;

#[cfg(test)]
mod tests {
    use crate::domain::{
        CaseStatus, Channel, Display, EventKind, NoteKind, NoteStatus, OutboxStatus, Role,
        StoryStatus, TokenKind,
    };

    /// serde, `Display` and `parse` all use the stored word.
    fn same_word_everywhere<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display,
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        for value in all {
            let word = value.to_string();
            assert_eq!(serde_json::to_value(value).unwrap(), word.as_str());
            let back: T = serde_json::from_value(serde_json::json!(word)).unwrap();
            assert_eq!(back, *value);
        }
    }

    #[test]
    fn every_enum_writes_its_stored_word() {
        same_word_everywhere(NoteStatus::ALL);
        same_word_everywhere(StoryStatus::ALL);
        same_word_everywhere(CaseStatus::ALL);
        same_word_everywhere(OutboxStatus::ALL);
        same_word_everywhere(Role::ALL);
        same_word_everywhere(NoteKind::ALL);
        same_word_everywhere(Display::ALL);
        same_word_everywhere(Channel::ALL);
        same_word_everywhere(TokenKind::ALL);
        same_word_everywhere(EventKind::ALL);
        assert_eq!(
            NoteStatus::AwaitingModeration.as_str(),
            "awaiting_moderation"
        );
        assert_eq!(Channel::parse("in_person"), Ok(Channel::InPerson));
        assert!(StoryStatus::parse("Published").is_err());
    }
}
