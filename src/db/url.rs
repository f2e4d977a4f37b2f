//! Where the data lives: `HEARD_DATABASE_URL`, whose scheme chooses the backend, shown
//! with any password hidden.

use std::fmt;
use std::path::PathBuf;

use crate::config::Secret;

/// Where the data lives, from `HEARD_DATABASE_URL`; the scheme chooses the backend.
#[derive(Clone)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(Secret),
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Shows the URL with any password hidden.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => {
                let url = url.expose();
                let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
                match rest.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        let user = userinfo.split(':').next().unwrap_or_default();
                        write!(f, "{scheme}://{user}@{host}")
                    }
                    None => write!(f, "{scheme}://{rest}"),
                }
            }
        }
    }
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(path) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("give a file after sqlite://, like sqlite://data/heard.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let rest = text.split_once("://").map(|(_, r)| r).unwrap_or_default();
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            if host.is_empty() || host.starts_with('/') && !host.contains("host=") {
                return Err(
                    "give a host after postgres://, like postgres://heard@127.0.0.1/heard".into(),
                );
            }
            return Ok(Self::Postgres(Secret::new(text)));
        }
        let scheme = text.split("://").next().filter(|_| text.contains("://"));
        Err(match scheme {
            Some(scheme) => format!(
                "the scheme {scheme:?} is not supported; use sqlite://PATH or postgres://USER@HOST/DB"
            ),
            None => "use sqlite://PATH or postgres://USER@HOST/DB".to_owned(),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite://data/heard.db"),
            Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("data/heard.db")
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite:///var/lib/heard.db"),
            Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("/var/lib/heard.db")
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u:p@db/heard"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        for bad in ["mysql://x/y", "heard.db", "sqlite://", "postgres://", ""] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_hidden_when_shown() {
        let url = DatabaseUrl::parse("postgres://heard:s3cret@db:5432/heard").unwrap();
        assert_eq!(url.to_string(), "postgres://heard@db:5432/heard");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
