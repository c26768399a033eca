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
                toml::from_str(&text).map_err(|e| {
                    UsageError(format!("{}: {}", path.display(), e.to_string().trim_end()))
                })?
            }
            None => ConfigFile::default(),
        };
        let (rackspace, mailroute) = match profile {
            None => (
                file.rackspace.unwrap_or_default(),
                file.mailroute.unwrap_or_default(),
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
        Ok(Config {
            source: path,
            profile: profile.map(str::to_owned),
            rackspace,
            mailroute,
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
                "{}: TOML parse error at line 2, column 1",
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
    fn the_secret_never_prints() {
        let (_dir, path) = write("[rackspace]\nsecret_key = \"very-secret\"\n");
        let config = Config::load(Some(&path), None).unwrap();
        assert!(!format!("{config:?}").contains("very-secret"));
    }
}
