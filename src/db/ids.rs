//! Row ids: UUIDv7 (time-ordered) stored as TEXT, each table's behind its own newtype so
//! that a team id cannot be passed where a staff id is expected.

macro_rules! id_newtype {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Accepts only a well-formed UUID (so a hostile path segment never reaches SQL).
            pub fn parse(text: &str) -> Option<Self> {
                uuid::Uuid::try_parse(text).ok().map(|u| Self(u.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        $crate::domain::text_sql!($name, |text| Ok(Self(text)));
    )*};
}

id_newtype!(
    TeamId, StaffId, NoteId, StoryId, CaseId, OutboxId, TokenId, AuditId, EventId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered_uuids() {
        let a = TeamId::new();
        let b = TeamId::new();
        assert!(a < b);
        assert_eq!(TeamId::parse(a.as_str()), Some(a));
    }

    #[test]
    fn hostile_ids_are_refused() {
        for bad in [
            "",
            "1 OR 1=1",
            "../etc/passwd",
            "0190c6a2-zzzz-7000-8000-000000000000",
        ] {
            assert_eq!(StoryId::parse(bad), None, "{bad}");
        }
    }
}
