//! The settings contract: names, defaults, precedence of the layers, and the errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::layers::Text;
use super::values::ProxyNet;
use super::*;

fn args() -> ConfigArgs {
    ConfigArgs::default()
}

/// Settings from a config file with these contents, and flags set by `flags`.
fn with_file(contents: &str, flags: impl FnOnce(&mut ConfigArgs)) -> Result<Settings, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("heard.toml");
    fs::write(&file, contents).unwrap();
    let mut a = args();
    a.config_file = Some(file);
    flags(&mut a);
    Settings::load(&a)
}

fn host_port(text: &str) -> HostPort {
    HostPort::new(text).unwrap()
}

#[test]
fn defaults_follow_the_contract() {
    let s = Settings::load(&args()).unwrap();
    assert_eq!(s.bind, host_port("127.0.0.1:8080"));
    assert_eq!(s.base_url, "http://127.0.0.1:8080");
    assert_eq!(s.data_dir, PathBuf::from("data"));
    assert_eq!(s.rate_limit_per_minute, 30);
    assert_eq!(s.form_min_age, Duration::from_secs(3));
    assert_eq!(s.mail_lease, Duration::from_secs(120));
    assert_eq!(s.mail_from, "Heard <heard@localhost>");
    assert_eq!(s.mail_from, super::DEFAULT_MAIL_FROM);
    assert!(s.secret_key.is_none());
    assert!(s.smtp_url.is_none());
    assert!(s.trusted_proxies.is_empty());
    assert!(s.embed_origins.is_empty());
    assert_eq!(s.log_format, LogFormat::Text);
    assert_eq!(s.metrics, Metrics::Off, "/metrics is not public by default");
    assert!(matches!(s.database, DatabaseUrl::Sqlite(ref p) if p == Path::new("data/heard.db")));
}

#[test]
fn every_setting_is_a_flag_and_a_variable() {
    use clap::CommandFactory;
    let command = crate::cli::Cli::command();
    command.clone().debug_assert();
    let named: Vec<(String, String)> = command
        .get_arguments()
        .filter_map(|arg| {
            let env = arg.get_env()?.to_str()?.to_owned();
            Some((arg.get_long()?.to_owned(), env))
        })
        .collect();
    let expected = [
        ("config", "HEARD_CONFIG"),
        ("database-url", "HEARD_DATABASE_URL"),
        ("bind", "HEARD_BIND"),
        ("base-url", "HEARD_BASE_URL"),
        ("data-dir", "HEARD_DATA_DIR"),
        ("secret-key", "HEARD_SECRET_KEY"),
        ("smtp-url", "HEARD_SMTP_URL"),
        ("mail-from", "HEARD_MAIL_FROM"),
        ("rate-limit-per-minute", "HEARD_RATE_LIMIT_PER_MINUTE"),
        ("trusted-proxies", "HEARD_TRUSTED_PROXIES"),
        ("form-min-seconds", "HEARD_FORM_MIN_SECONDS"),
        ("embed-origins", "HEARD_EMBED_ORIGINS"),
        ("mail-lease-seconds", "HEARD_MAIL_LEASE_SECONDS"),
        ("metrics", "HEARD_METRICS"),
        ("log-format", "HEARD_LOG_FORMAT"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(flag, env)| ((*flag).to_owned(), (*env).to_owned()))
        .collect();
    assert_eq!(named, expected);
    let secret = |name: &str| {
        command
            .get_arguments()
            .find(|arg| arg.get_long() == Some(name))
            .is_some_and(|arg| arg.is_hide_env_values_set())
    };
    assert!(secret("database-url") && secret("secret-key") && secret("smtp-url"));
    assert!(!secret("bind"));
}

#[test]
fn flags_win_over_the_file() {
    let s = with_file(
        "bind = \"0.0.0.0:9000\"\nrate_limit_per_minute = 5\n",
        |a| {
            a.rate_limit_per_minute = Some("7".into());
        },
    )
    .unwrap();
    assert_eq!(s.bind, host_port("0.0.0.0:9000"));
    assert_eq!(
        s.base_url, "http://0.0.0.0:9000",
        "the default follows the bind"
    );
    assert_eq!(s.rate_limit_per_minute, 7);
}

#[test]
fn the_file_wins_over_the_defaults() {
    let s = with_file(
        "trusted_proxies = [\"10.0.0.0/8\", \" ::1 \", \"\"]\nform_min_seconds = 0\n\
         mail_lease_seconds = 30\nembed_origins = [\"https://www.example.com/\"]\n\
         data_dir = \"elsewhere\"\nlog_format = \"json\"\n",
        |_| {},
    )
    .unwrap();
    let nets: Vec<String> = s.trusted_proxies.iter().map(|n| n.to_string()).collect();
    assert_eq!(nets, ["10.0.0.0/8", "::1/128"]);
    assert_eq!(s.form_min_age, Duration::ZERO);
    assert_eq!(s.mail_lease, Duration::from_secs(30));
    assert_eq!(s.embed_origins, ["https://www.example.com"]);
    assert_eq!(s.data_dir, PathBuf::from("elsewhere"));
    assert_eq!(s.log_format, LogFormat::Json);
}

#[test]
fn unknown_file_keys_and_wrong_types_are_the_files_fault() {
    for contents in [
        "bnid = \"0.0.0.0:9000\"\n",
        "rate_limit_per_minute = \"5\"\n",
        "trusted_proxies = \"10.0.0.0/8\"\n",
        "bind = 8080\n",
        "not toml",
    ] {
        let err = with_file(contents, |_| {}).unwrap_err();
        assert!(matches!(err, ConfigError::File { .. }), "{contents}: {err}");
    }
    let err = with_file("bnid = 1\n", |_| {}).unwrap_err().to_string();
    assert!(err.contains("unknown field `bnid`"), "{err}");
    let missing = Settings::load(&ConfigArgs {
        config_file: Some(PathBuf::from("/no/such/heard.toml")),
        ..args()
    });
    assert!(matches!(missing, Err(ConfigError::File { .. })));
}

#[test]
fn bad_values_name_the_variable() {
    type Case = (fn(&mut ConfigArgs), &'static str);
    let cases: Vec<Case> = vec![
        (
            |a| a.database_url = Some("mysql://x".into()),
            "HEARD_DATABASE_URL",
        ),
        (|a| a.bind = Some("8080".into()), "HEARD_BIND"),
        (|a| a.bind = Some("host:port".into()), "HEARD_BIND"),
        (|a| a.base_url = Some("ftp://x".into()), "HEARD_BASE_URL"),
        (|a| a.secret_key = Some("short".into()), "HEARD_SECRET_KEY"),
        (|a| a.smtp_url = Some("http://x".into()), "HEARD_SMTP_URL"),
        (
            |a| a.mail_from = Some("not an address".into()),
            "HEARD_MAIL_FROM",
        ),
        (
            |a| a.rate_limit_per_minute = Some("-1".into()),
            "HEARD_RATE_LIMIT_PER_MINUTE",
        ),
        (
            |a| a.trusted_proxies = Some("10.0.0.0/40".into()),
            "HEARD_TRUSTED_PROXIES",
        ),
        (
            |a| a.form_min_seconds = Some("soon".into()),
            "HEARD_FORM_MIN_SECONDS",
        ),
        (
            |a| a.mail_lease_seconds = Some("0".into()),
            "HEARD_MAIL_LEASE_SECONDS",
        ),
        (
            |a| a.mail_lease_seconds = Some("3601".into()),
            "HEARD_MAIL_LEASE_SECONDS",
        ),
        (|a| a.log_format = Some("xml".into()), "HEARD_LOG_FORMAT"),
        (|a| a.metrics = Some("yes".into()), "HEARD_METRICS"),
        (
            |a| a.metrics = Some("10.0.0.1:port".into()),
            "HEARD_METRICS",
        ),
        (
            |a| a.embed_origins = Some("example.com".into()),
            "HEARD_EMBED_ORIGINS",
        ),
        (
            |a| a.embed_origins = Some("https://x.io; script-src *".into()),
            "HEARD_EMBED_ORIGINS",
        ),
    ];
    for (set, name) in cases {
        let mut a = args();
        set(&mut a);
        let err = Settings::load(&a).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { .. }), "{err}");
        assert!(
            err.to_string().starts_with(&format!("{name} is invalid: ")),
            "{err}"
        );
    }
    // A bad value from the file is named by its variable too.
    let err = with_file("bind = \"8080\"\n", |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("HEARD_BIND is invalid: "), "{err}");
}

#[test]
fn error_messages_say_what_is_wrong() {
    let message = |set: fn(&mut ConfigArgs)| {
        let mut a = args();
        set(&mut a);
        Settings::load(&a).unwrap_err().to_string()
    };
    assert_eq!(
        message(|a| a.rate_limit_per_minute = Some("-1".into())),
        "HEARD_RATE_LIMIT_PER_MINUTE is invalid: \"-1\" is not a whole number"
    );
    assert_eq!(
        message(|a| a.mail_lease_seconds = Some("0".into())),
        "HEARD_MAIL_LEASE_SECONDS is invalid: must be from 1 to 3600 seconds"
    );
    assert_eq!(
        message(|a| a.secret_key = Some("short".into())),
        "HEARD_SECRET_KEY is invalid: it must be at least 32 characters long"
    );
    assert_eq!(
        message(|a| a.secret_key = Some(format!("{},short", "k".repeat(40)))),
        "HEARD_SECRET_KEY is invalid: each key in the list must be at least 32 characters long"
    );
    assert_eq!(
        message(|a| a.trusted_proxies = Some("10.0.0.0/8, nonsense".into())),
        "HEARD_TRUSTED_PROXIES is invalid: \"nonsense\" is not an IP address or CIDR"
    );
}

#[test]
fn lists_and_optional_settings() {
    let mut a = args();
    a.trusted_proxies = Some(" 10.1.0.0/16 , , 192.0.2.7".into());
    a.embed_origins = Some("https://a.example/, http://b.example:8080".into());
    a.smtp_url = Some(String::new());
    let s = Settings::load(&a).unwrap();
    let nets: Vec<String> = s.trusted_proxies.iter().map(|n| n.to_string()).collect();
    assert_eq!(nets, ["10.1.0.0/16", "192.0.2.7/32"]);
    assert_eq!(
        s.embed_origins,
        ["https://a.example", "http://b.example:8080"]
    );
    assert!(s.smtp_url.is_none(), "an empty SMTP URL is none");
}

#[test]
fn the_secret_key_may_list_previous_keys() {
    let mut a = args();
    a.secret_key = Some(format!(" {} , {} ", "n".repeat(40), "o".repeat(40)));
    let key = Settings::load(&a).unwrap().secret_key.unwrap();
    let keys: Vec<&str> = crate::signing::keys(&key).collect();
    assert_eq!(keys, ["n".repeat(40), "o".repeat(40)]);
    assert_eq!(crate::signing::current_key(&key), "n".repeat(40));
}

#[test]
fn secrets_never_print() {
    let mut a = args();
    a.smtp_url = Some("smtp://user:hunter2@mail.example:587".into());
    a.secret_key = Some("k".repeat(40));
    let s = Settings::load(&a).unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("hunter2"));
    assert!(!shown.contains(&"k".repeat(40)));
}

#[test]
fn metrics_settings() {
    for (text, want) in [
        ("off", Metrics::Off),
        ("on", Metrics::Public),
        (
            "127.0.0.1:9090",
            Metrics::Separate(host_port("127.0.0.1:9090")),
        ),
        ("[::1]:9090", Metrics::Separate(host_port("[::1]:9090"))),
        (
            "metrics.internal:9090",
            Metrics::Separate(host_port("metrics.internal:9090")),
        ),
    ] {
        assert_eq!(Metrics::parse(text), Ok(want), "{text}");
    }
    for bad in ["true", ":9090", "host:", "host:99999", "http://x:1"] {
        assert!(Metrics::parse(bad).is_err(), "{bad}");
    }
    let s = with_file("metrics = \"on\"\n", |_| {}).unwrap();
    assert_eq!(s.metrics, Metrics::Public);
}

#[test]
fn trusted_proxies_match_addresses() {
    let net = ProxyNet::parse("10.1.0.0/16").unwrap();
    assert!(net.contains(&"10.1.200.3".parse::<std::net::IpAddr>().unwrap()));
    assert!(!net.contains(&"10.2.0.1".parse::<std::net::IpAddr>().unwrap()));
    assert!(!net.contains(&"::1".parse::<std::net::IpAddr>().unwrap()));
    let one = ProxyNet::parse("::1").unwrap();
    assert!(one.contains(&"::1".parse::<std::net::IpAddr>().unwrap()));
    let all = ProxyNet::parse("0.0.0.0/0").unwrap();
    assert!(all.contains(&"8.8.8.8".parse::<std::net::IpAddr>().unwrap()));
    assert!(ProxyNet::parse("nonsense").is_err());
    assert!(ProxyNet::parse("::1/129").is_err());
}

#[test]
fn the_secret_key_is_generated_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = args();
    a.data_dir = Some(dir.path().join("nested"));
    let s = Settings::load(&a).unwrap();
    let first = s.resolve_secret_key().unwrap();
    let second = s.resolve_secret_key().unwrap();
    assert_eq!(first, second);
    assert_eq!(first.expose().len(), 128);
    assert!(first.expose().bytes().all(|b| b.is_ascii_hexdigit()));
}
