//! How a setting is read: from its flag or `HEARD_*` variable, else from the TOML file, else
//! its built-in default; then parsed by its type, which is its validation. The
//! [`settings!`] macro turns the one table of settings into the flags and the typed struct.

use std::path::{Path, PathBuf};

use super::ConfigError;

/// One setting's value as given, before it is parsed.
pub enum Raw<A> {
    /// From a flag or a `HEARD_*` variable, or the built-in default.
    Arg(A),
    /// From the TOML file.
    File(toml::Value),
}

/// Why a value was refused.
#[derive(Debug)]
pub enum Problem {
    /// The file gives it as the wrong TOML type; this names the right one.
    WrongType(&'static str),
    /// The value itself is wrong; the reason follows the variable's name in the error.
    Invalid(String),
}

impl From<String> for Problem {
    fn from(reason: String) -> Self {
        Self::Invalid(reason)
    }
}

/// How one setting is read and checked: a type that parses it, and what it parses to.
pub trait Setting {
    /// What [`super::Settings`] holds.
    type Value;
    /// What a flag or variable gives: text, or a path.
    type Arg;
    fn parse(raw: Raw<Self::Arg>) -> Result<Self::Value, Problem>;
}

/// A setting given as one piece of text (a string in the file).
pub trait Text {
    type Value;
    fn parse(text: &str) -> Result<Self::Value, String>;
}

impl<T: Text> Setting for T {
    type Value = T::Value;
    type Arg = String;
    fn parse(raw: Raw<String>) -> Result<T::Value, Problem> {
        Ok(T::parse(&raw.text()?)?)
    }
}

impl Raw<String> {
    /// A flag's text, or a string in the file.
    pub fn text(self) -> Result<String, Problem> {
        match self {
            Raw::Arg(text) | Raw::File(toml::Value::String(text)) => Ok(text),
            Raw::File(_) => Err(Problem::WrongType("a string")),
        }
    }

    /// A flag's text, or an integer in the file, written out.
    pub fn number_text(self) -> Result<String, Problem> {
        match self {
            Raw::Arg(text) => Ok(text),
            Raw::File(toml::Value::Integer(n)) => Ok(n.to_string()),
            Raw::File(_) => Err(Problem::WrongType("a whole number")),
        }
    }

    /// The items of a list: comma-separated in a flag, an array of strings in the file.
    pub fn items(self) -> Result<Vec<String>, Problem> {
        const ARRAY: Problem = Problem::WrongType("an array of strings");
        match self {
            Raw::Arg(text) => Ok(text.split(',').map(str::to_owned).collect()),
            Raw::File(toml::Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    toml::Value::String(text) => Ok(text),
                    _ => Err(ARRAY),
                })
                .collect(),
            Raw::File(_) => Err(ARRAY),
        }
    }
}

/// The settings file (`--config`): the names of the variables, lower-cased, without `HEARD_`.
pub struct FileLayer {
    path: Option<PathBuf>,
    table: toml::Table,
}

impl FileLayer {
    /// Reads the file, if one is given, refusing names that are not settings.
    pub fn read(path: Option<&Path>, names: &'static [&'static str]) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(Self {
                path: None,
                table: toml::Table::new(),
            });
        };
        let fail = |reason: String| ConfigError::File {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.kind().to_string()))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| fail(e.message().to_owned()))?;
        if let Some(unknown) = table.keys().find(|key| !names.contains(&key.as_str())) {
            let e = <serde::de::value::Error as serde::de::Error>::unknown_field(unknown, names);
            return Err(fail(e.to_string()));
        }
        Ok(Self {
            path: Some(path.to_owned()),
            table,
        })
    }

    /// One setting's value from the file, if the file has it.
    pub fn take(&mut self, name: &str) -> Option<toml::Value> {
        self.table.remove(name)
    }

    /// The error for a refused value: a wrong TOML type is the file's fault; anything else
    /// is named by its variable, wherever it came from.
    pub fn error(&self, name: &str, variable: &'static str, problem: Problem) -> ConfigError {
        match (problem, &self.path) {
            (Problem::WrongType(expected), Some(path)) => ConfigError::File {
                path: path.display().to_string(),
                reason: format!("{name} must be {expected}"),
            },
            (Problem::WrongType(expected), None) => ConfigError::Invalid {
                name: variable,
                reason: format!("it must be {expected}"),
            },
            (Problem::Invalid(reason), _) => ConfigError::Invalid {
                name: variable,
                reason,
            },
        }
    }
}

/// Declares every setting once — its doc (the `--help` text), its variable, its name (the
/// flag, the file key and the [`ConfigArgs`](super::ConfigArgs) field), the field of
/// [`Settings`](super::Settings) it fills when that is named differently, the type that
/// parses it, and its default (none: the field is an `Option`):
///
/// ```text
/// /// Address to listen on [default: 127.0.0.1:8080].
/// "HEARD_BIND" bind: HostPort = "127.0.0.1:8080";
/// ```
///
/// A default is written as the variable would be, and parsed like it; it may use the
/// settings declared before it. `Settings::load` takes each setting from its flag or
/// variable, else from the file, else its default.
macro_rules! settings {
    // Each entry is brought to one form, `{ [docs] [clap attributes] variable name field type [default] }`.
    (@entries [$($done:tt)*]
        $(#[doc = $doc:literal])* $(#[arg($($arg:tt)*)])*
        $env:literal $name:ident as $field:ident: $setting:ty $(= $default:expr)?;
        $($rest:tt)*
    ) => {
        settings!(@entries [$($done)* {
            [$($doc)*] [$($($arg)*),*] $env $name $field $setting [$($default)?]
        }] $($rest)*);
    };
    (@entries [$($done:tt)*]
        $(#[doc = $doc:literal])* $(#[arg($($arg:tt)*)])*
        $env:literal $name:ident: $setting:ty $(= $default:expr)?;
        $($rest:tt)*
    ) => {
        settings!(@entries [$($done)* {
            [$($doc)*] [$($($arg)*),*] $env $name $name $setting [$($default)?]
        }] $($rest)*);
    };
    (@entries [$({
        [$($doc:literal)*] [$($arg:tt)*] $env:literal $name:ident $field:ident $setting:ty
        [$($default:expr)?]
    })*]) => {
        /// Settings given on the command line or in the environment; they win over the config file.
        #[derive(Debug, Clone, Default, clap::Args)]
        pub struct ConfigArgs {
            /// TOML file of settings (lower precedence than HEARD_* variables and flags).
            #[arg(long = "config", env = "HEARD_CONFIG", global = true, value_name = "FILE")]
            pub config_file: Option<std::path::PathBuf>,
            $(
                $(#[doc = $doc])*
                #[arg(long, env = $env, global = true, $($arg)*)]
                pub $name: Option<<$setting as $crate::config::layers::Setting>::Arg>,
            )*
        }

        /// Every setting, parsed and checked.
        #[derive(Debug, Clone)]
        pub struct Settings {
            $(
                $(#[doc = $doc])*
                pub $field: settings!(@type $setting $(, $default)?),
            )*
        }

        impl Settings {
            /// Builds the settings from the layers; nothing is written to disk.
            pub fn load(args: &ConfigArgs) -> Result<Self, $crate::config::ConfigError> {
                use $crate::config::layers::{FileLayer, Raw};
                let mut file =
                    FileLayer::read(args.config_file.as_deref(), &[$(stringify!($name)),*])?;
                $(
                    let given = match &args.$name {
                        Some(arg) => Some(Raw::Arg(arg.clone())),
                        None => file.take(stringify!($name)).map(Raw::File),
                    };
                    let $field = settings!(@value given, $setting $(, $default)?)
                        .map_err(|problem| file.error(stringify!($name), $env, problem))?;
                )*
                Ok(Self { $($field),* })
            }
        }
    };
    (@type $setting:ty) => { Option<<$setting as $crate::config::layers::Setting>::Value> };
    (@type $setting:ty, $default:expr) => { <$setting as $crate::config::layers::Setting>::Value };
    (@value $given:ident, $setting:ty) => {
        $given.map(<$setting as $crate::config::layers::Setting>::parse).transpose()
    };
    (@value $given:ident, $setting:ty, $default:expr) => {
        <$setting as $crate::config::layers::Setting>::parse(
            $given.unwrap_or_else(|| $crate::config::layers::Raw::Arg($default.into())),
        )
    };
    ($($entries:tt)*) => { settings!(@entries [] $($entries)*); };
}

pub(super) use settings;
