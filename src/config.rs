//! `tally.toml`: provider settings and keys, with named profiles for several
//! reseller accounts. The environment (`TALLY_RACKSPACE_USER_KEY`, ...) overrides
//! the file, and command-line flags override both.
//!
//! ```toml
//! [rackspace]                     # the default profile
//! user_key = "..."
//! secret_key = "..."
//! requests_per_minute = 120
//! accounts = ["1100000"]
//!
//! [mailroute]
//! login = "..."
//! api_key = "..."
//!
//! [profiles.west.rackspace]       # tally --profile west sync rackspace
//! user_key = "..."
//! secret_key = "..."
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::UsageError;
use crate::api::secret::Secret;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    rackspace: Option<RackspaceConfig>,
    mailroute: Option<MailrouteConfig>,
    billing: Option<BillingConfig>,
    export: Option<ExportConfig>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    rackspace: Option<RackspaceConfig>,
    mailroute: Option<MailrouteConfig>,
}

/// The `[mailroute]` table of a profile.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailrouteConfig {
    pub login: Option<String>,
    pub api_key: Option<Secret>,
    pub base_url: Option<String>,
    pub user_agent: Option<String>,
    pub requests_per_minute: Option<u32>,
}

/// The `[billing]` table: where the price book is (relative to the working folder),
/// and the currency the provider bills in (FOCUS `BillingCurrency`; default USD).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingConfig {
    pub prices: Option<PathBuf>,
    pub currency: Option<String>,
}

/// The `[export]` table: for `tally export --out s3://...` to an S3-compatible
/// store (MinIO, R2, a local test server), its endpoint and region. Credentials
/// come from each store's own chain (`AWS_ACCESS_KEY_ID`, ...), never from here.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportConfig {
    pub endpoint: Option<String>,
    pub region: Option<String>,
}

/// The `[rackspace]` table of a profile.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RackspaceConfig {
    pub user_key: Option<String>,
    pub secret_key: Option<Secret>,
    pub base_url: Option<String>,
    pub user_agent: Option<String>,
    pub requests_per_minute: Option<u32>,
    /// Whose invoices to pull when `--account` is not given.
    pub accounts: Option<Vec<String>>,
}

/// The settings of the chosen profile, and where they came from.
#[derive(Debug, Default)]
pub struct Config {
    pub source: Option<PathBuf>,
    pub profile: Option<String>,
    pub rackspace: RackspaceConfig,
    pub mailroute: MailrouteConfig,
    pub billing: BillingConfig,
    pub export: ExportConfig,
    /// What the user should hear about the file (a secret others can read).
    pub warnings: Vec<String>,
}

impl Config {
    /// The file the settings came from, as messages name it.
    pub fn file_name(&self) -> String {
        self.source
            .as_ref()
            .map_or_else(|| "tally.toml".to_owned(), |p| p.display().to_string())
    }
}

/// A TOML error as "FILE: line L, column C, key K: what was wrong", without the
/// file's text: the line may hold a secret, so no part of any value is shown.
fn parse_error(path: &Path, text: &str, error: &toml::de::Error) -> String {
    let mut place = String::new();
    let mut key = None;
    if let Some(span) = error.span() {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        place = format!("line {line}, column {column}");
        // The key is what stands before `=` on that line (keys are not secret).
        let line_text = text.lines().nth(line - 1).unwrap_or("");
        key = line_text
            .split_once('=')
            .map(|(k, _)| k.trim().trim_matches('"').to_owned())
            .filter(|k| !k.is_empty() && !k.starts_with('['));
    }
    // toml's message names types and keys, but may quote the value it found
    // ("invalid type: string \"abc\""): cut anything quoted that is not a key.
    let message = error
        .message()
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let message = redact_quoted(&message, key.as_deref());
    let mut out = format!("{}: ", path.display());
    if !place.is_empty() {
        out.push_str(&place);
        if let Some(key) = &key {
            out.push_str(&format!(", key {key}"));
        }
        out.push_str(": ");
    }
    out.push_str(&message);
    out
}

/// `message` with every "double-quoted" part replaced by `"…"`, and every
/// `backticked` part too unless it is the key or a known field name.
fn redact_quoted(message: &str, key: Option<&str>) -> String {
    const FIELDS: &[&str] = &[
        "rackspace",
        "mailroute",
        "profiles",
        "user_key",
        "secret_key",
        "base_url",
        "user_agent",
        "requests_per_minute",
        "accounts",
        "login",
        "api_key",
        "=",
    ];
    let mut out = String::new();
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[open] as char;
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            out.push('…');
            return out;
        };
        let inner = &after[..close];
        let keep = quote == '`' && (Some(inner) == key || FIELDS.contains(&inner));
        out.push_str(if keep { inner } else { "…" });
        out.push(quote);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A warning when a config file holding a secret can be read by group or others.
#[cfg(unix)]
fn permission_warning(path: &Path, file: &ConfigFile) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let holds_secret = |r: &Option<RackspaceConfig>, m: &Option<MailrouteConfig>| {
        r.as_ref().is_some_and(|r| r.secret_key.is_some())
            || m.as_ref().is_some_and(|m| m.api_key.is_some())
    };
    let secret = holds_secret(&file.rackspace, &file.mailroute)
        || file
            .profiles
            .values()
            .any(|p| holds_secret(&p.rackspace, &p.mailroute));
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (secret && mode & 0o077 != 0).then(|| {
        format!(
            "{} holds a secret key and can be read by other users (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn permission_warning(_path: &Path, _file: &ConfigFile) -> Option<String> {
    None
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl Config {
    /// Reads `explicit` (which must exist), else `./tally.toml` if there is one,
    /// and picks `profile` (or the top level).
    pub fn load(explicit: Option<&Path>, profile: Option<&str>) -> anyhow::Result<Config> {
        let path = match explicit {
            Some(path) => {
                if !path.exists() {
                    return Err(
                        UsageError(format!("config file {} not found", path.display())).into(),
                    );
                }
                Some(path.to_owned())
            }
            None => Some(PathBuf::from("tally.toml")).filter(|p| p.exists()),
        };
        let file: ConfigFile = match &path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
                toml::from_str(&text).map_err(|e| UsageError(parse_error(path, &text, &e)))?
            }
            None => ConfigFile::default(),
        };
        let (rackspace, mailroute) = match profile {
            None => (
                file.rackspace.clone().unwrap_or_default(),
                file.mailroute.clone().unwrap_or_default(),
            ),
            Some(name) => {
                let Some(chosen) = file.profiles.get(name) else {
                    let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                    let place = path
                        .as_ref()
                        .map_or("no config file (tally.toml)".to_owned(), |p| {
                            p.display().to_string()
                        });
                    return Err(UsageError(format!(
                        "no profile \"{name}\" in {place}; profiles: {}",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ))
                    .into());
                };
                (
                    chosen.rackspace.clone().unwrap_or_default(),
                    chosen.mailroute.clone().unwrap_or_default(),
                )
            }
        };
        let warnings = path
            .as_deref()
            .and_then(|p| permission_warning(p, &file))
            .into_iter()
            .collect();
        Ok(Config {
            source: path,
            profile: profile.map(str::to_owned),
            rackspace,
            mailroute,
            billing: file.billing.clone().unwrap_or_default(),
            export: file.export.clone().unwrap_or_default(),
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tally.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn profiles_and_the_top_level() {
        let (_dir, path) = write(
            r#"
[rackspace]
user_key = "top"
secret_key = "top-secret"
accounts = ["1100000"]

[profiles.west.rackspace]
user_key = "west"
secret_key = "west-secret"
requests_per_minute = 60
"#,
        );
        let top = Config::load(Some(&path), None).unwrap();
        assert_eq!(top.rackspace.user_key.as_deref(), Some("top"));
        assert_eq!(top.rackspace.accounts, Some(vec!["1100000".to_owned()]));
        let west = Config::load(Some(&path), Some("west")).unwrap();
        assert_eq!(west.rackspace.requests_per_minute, Some(60));
        assert_eq!(west.rackspace.secret_key.unwrap().expose(), "west-secret");
        let err = Config::load(Some(&path), Some("east"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!("no profile \"east\" in {}; profiles: west", path.display())
        );
    }

    #[test]
    fn typos_and_bad_toml_are_refused_with_where() {
        let (_dir, path) = write("[rackspace]\nuser_kee = \"x\"\n");
        let err = Config::load(Some(&path), None).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "{}: line 2, column 1, key user_kee: ",
                path.display()
            )),
            "{err}"
        );
        assert!(err.contains("unknown field `user_kee`"), "{err}");
        let missing = Config::load(Some(Path::new("/nonexistent/tally.toml")), None)
            .unwrap_err()
            .to_string();
        assert_eq!(missing, "config file /nonexistent/tally.toml not found");
    }

    #[test]
    fn a_bad_value_is_reported_by_line_and_key_never_by_value() {
        // A secret where a number belongs, and a broken string holding a secret.
        let (_dir, path) =
            write("[rackspace]\nuser_key = \"u\"\nrequests_per_minute = \"hunter2-secret\"\n");
        let err = Config::load(Some(&path), None).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: line 3, column 23, key requests_per_minute: invalid type: string \"…\", expected u32",
                path.display()
            )
        );
        let (_dir, path) = write("[mailroute]\napi_key = \"s3cret-key-value\nlogin = \"x\"\n");
        let err = Config::load(Some(&path), None).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}: line 2, ", path.display())),
            "{err}"
        );
        assert!(err.contains("key api_key"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_readable_by_others_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, path) = write("[rackspace]\nsecret_key = \"very-secret\"\n");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let config = Config::load(Some(&path), None).unwrap();
        assert_eq!(
            config.warnings,
            [format!(
                "{} holds a secret key and can be read by other users (mode 644); run `chmod 600 {}`",
                path.display(),
                path.display()
            )]
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Config::load(Some(&path), None).unwrap().warnings.is_empty());
        // No secret, no warning.
        let (_dir, path) = write("[rackspace]\nuser_key = \"u\"\n");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(Config::load(Some(&path), None).unwrap().warnings.is_empty());
    }

    #[test]
    fn the_secret_never_prints() {
        let (_dir, path) = write("[rackspace]\nsecret_key = \"very-secret\"\n");
        let config = Config::load(Some(&path), None).unwrap();
        assert!(!format!("{config:?}").contains("very-secret"));
    }
}
