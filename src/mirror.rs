//! A folder tally writes into and keeps as a mirror of what it wrote there:
//! exports, accounting files and statements alike. Its manifest,
//! `.tally-manifest.json`, lists every file tally wrote into the folder (path
//! relative to it, table, format, month). A run records its files in the manifest
//! before it writes any (a run killed half way still knows them), writes each
//! whole (temporary name, then rename), and at the end removes the files of its
//! scope that it no longer contains, never a file tally did not write.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = ".tally-manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Relative to the export folder, with `/` separators.
    pub path: String,
    pub table: String,
    /// `csv` or `parquet`.
    pub format: String,
    /// The partition's month ('YYYY-MM'); `None`: not partitioned, or the NULL month.
    pub month: Option<String>,
    pub partitioned: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    version: u32,
    files: Vec<Entry>,
}

/// `path` relative to `root` with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl Manifest {
    /// A manifest listing nothing (a folder or prefix tally has not written into).
    pub fn empty() -> Manifest {
        Manifest {
            version: 1,
            files: Vec::new(),
        }
    }

    /// The folder's manifest, or an empty one when there is none yet.
    pub fn read(dir: &Path) -> anyhow::Result<Manifest> {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::empty()),
            Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
        };
        Manifest::parse(&text, &path.display().to_string())
    }

    /// A manifest from its text, read from `place` (a file, or a bucket's prefix).
    pub fn parse(text: &str, place: &str) -> anyhow::Result<Manifest> {
        let manifest: Manifest = serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "{place}: not a tally export manifest ({e}); move it away to export into this folder afresh"
            )
        })?;
        // A path that leaves the folder is never one tally wrote.
        if let Some(bad) = manifest
            .files
            .iter()
            .find(|e| Path::new(&e.path).is_absolute() || e.path.split('/').any(|c| c == ".."))
        {
            anyhow::bail!(
                "{place}: lists {:?}, outside the folder; move the manifest away to export afresh",
                bad.path
            );
        }
        Ok(manifest)
    }

    /// The manifest as written (pretty JSON and a newline).
    pub fn to_text(&self) -> anyhow::Result<String> {
        let manifest = Manifest {
            version: 1,
            files: self.files.clone(),
        };
        Ok(serde_json::to_string_pretty(&manifest)? + "\n")
    }

    /// Drops the entry of `path` (its file already deleted).
    pub fn drop_entry(&mut self, path: &str) {
        self.files.retain(|e| e.path != path);
    }

    pub fn entries(&self) -> &[Entry] {
        &self.files
    }

    /// Adds entries, replacing any with the same path (the last of a path wins).
    pub fn add(&mut self, entries: impl IntoIterator<Item = Entry>) {
        let mut added: BTreeMap<String, Entry> = BTreeMap::new();
        for entry in entries {
            added.insert(entry.path.clone(), entry);
        }
        self.files.retain(|e| !added.contains_key(&e.path));
        self.files.extend(added.into_values());
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Deletes the file of `entry` under `root` (one already gone is no error) and
    /// the partition folder it leaves empty (only that folder), and drops it from
    /// the manifest. Returns its path when a file was deleted.
    pub fn remove_file(&mut self, root: &Path, entry: &Entry) -> anyhow::Result<Option<PathBuf>> {
        let path = root.join(&entry.path);
        let removed = match std::fs::remove_file(&path) {
            Ok(()) => Some(path.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => anyhow::bail!("cannot remove the stale file {}: {e}", path.display()),
        };
        if entry.partitioned
            && let Some(dir) = path.parent()
        {
            let _ = std::fs::remove_dir(dir);
        }
        self.drop_entry(&entry.path);
        Ok(removed)
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let path: PathBuf = dir.join(FILE_NAME);
        let text = self.to_text()?;
        crate::atomic::write_file(&path, |out| Ok(out.write_all(text.as_bytes())?))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e:#}", path.display()))
    }
}

/// An output folder and its manifest, for one run.
#[derive(Debug)]
pub struct Mirror {
    root: PathBuf,
    manifest: Manifest,
    /// The paths this run recorded.
    recorded: HashSet<String>,
}

impl Mirror {
    /// The folder `root` (created when missing) and what tally wrote there before.
    pub fn open(root: &Path) -> anyhow::Result<Mirror> {
        std::fs::create_dir_all(root)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", root.display()))?;
        Ok(Mirror {
            root: root.to_owned(),
            manifest: Manifest::read(root)?,
            recorded: HashSet::new(),
        })
    }

    /// Records this run's `entries` in the manifest, before any of them is written.
    pub fn record(&mut self, entries: impl IntoIterator<Item = Entry>) -> anyhow::Result<()> {
        let entries: Vec<Entry> = entries.into_iter().collect();
        self.recorded.extend(entries.iter().map(|e| e.path.clone()));
        self.manifest.add(entries);
        self.manifest.write(&self.root)
    }

    /// Takes files tally wrote before into the manifest as not this run's (so
    /// they are removed when stale), as they were known to an earlier version.
    pub fn adopt(&mut self, entries: impl IntoIterator<Item = Entry>) -> anyhow::Result<()> {
        let known: HashSet<&str> = self
            .manifest
            .entries()
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        let new: Vec<Entry> = entries
            .into_iter()
            .filter(|e| !known.contains(e.path.as_str()))
            .collect();
        self.manifest.add(new);
        self.manifest.write(&self.root)
    }

    /// Writes the file of `entry` whole (its folder created when missing).
    pub fn write_file(&self, entry: &Entry, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.root.join(&entry.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
        crate::atomic::write_file(&path, |out| Ok(out.write_all(bytes)?))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e:#}", path.display()))
    }

    /// Ends the run: removes every file of its scope (`covers`) that tally wrote
    /// earlier and this run did not record, and writes the manifest. Returns the
    /// entries whose files were removed.
    pub fn finish(mut self, covers: impl Fn(&Entry) -> bool) -> anyhow::Result<Vec<Entry>> {
        let stale: Vec<Entry> = self
            .manifest
            .entries()
            .iter()
            .filter(|e| covers(e) && !self.recorded.contains(&e.path))
            .cloned()
            .collect();
        let mut removed = Vec::new();
        for entry in stale {
            if self.manifest.remove_file(&self.root, &entry)?.is_some() {
                removed.push(entry);
            }
        }
        self.manifest.write(&self.root)?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        Entry {
            path: path.into(),
            table: "invoices".into(),
            format: "csv".into(),
            month: None,
            partitioned: false,
        }
    }

    #[test]
    fn round_trip_and_replacing_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::read(dir.path()).unwrap();
        assert!(m.entries().is_empty());
        m.add([entry("b/data.csv"), entry("a/data.csv")]);
        m.add([entry("a/data.csv")]);
        m.write(dir.path()).unwrap();
        let back = Manifest::read(dir.path()).unwrap();
        let paths: Vec<&str> = back.entries().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a/data.csv", "b/data.csv"]);
    }

    #[test]
    fn a_manifest_pointing_outside_the_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::default();
        m.add([entry("../outside.csv")]);
        m.write(dir.path()).unwrap();
        let err = Manifest::read(dir.path()).unwrap_err().to_string();
        assert!(err.ends_with(
            "lists \"../outside.csv\", outside the folder; move the manifest away to export afresh"
        ), "{err}");
        std::fs::write(dir.path().join(FILE_NAME), "not json").unwrap();
        let err = Manifest::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a tally export manifest"), "{err}");
    }

    #[test]
    fn a_run_removes_only_its_own_stale_files_in_scope() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Mirror::open(dir.path()).unwrap();
        let (a, b, c) = (entry("t/a.csv"), entry("t/b.csv"), entry("u/c.csv"));
        first.record([a.clone(), b.clone(), c.clone()]).unwrap();
        for e in [&a, &b, &c] {
            first.write_file(e, b"x").unwrap();
        }
        std::fs::write(dir.path().join("t/mine.csv"), "mine").unwrap();
        assert!(first.finish(|_| true).unwrap().is_empty());
        let mut second = Mirror::open(dir.path()).unwrap();
        second.record([a.clone()]).unwrap();
        second.write_file(&a, b"y").unwrap();
        let removed = second.finish(|e| e.path.starts_with("t/")).unwrap();
        assert_eq!(removed, [b]);
        assert!(!dir.path().join("t/b.csv").exists());
        assert!(dir.path().join("t/mine.csv").exists(), "not tally's");
        assert!(dir.path().join("u/c.csv").exists(), "out of scope");
        let paths: Vec<String> = Manifest::read(dir.path())
            .unwrap()
            .entries()
            .iter()
            .map(|e| e.path.clone())
            .collect();
        assert_eq!(paths, ["t/a.csv", "u/c.csv"]);
    }

    #[test]
    fn an_adopted_file_is_removed_when_stale_and_kept_when_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let (old, again) = (entry("s/old.html"), entry("s/again.html"));
        for e in [&old, &again] {
            std::fs::create_dir_all(dir.path().join("s")).unwrap();
            std::fs::write(dir.path().join(&e.path), "earlier").unwrap();
        }
        let mut mirror = Mirror::open(dir.path()).unwrap();
        mirror.adopt([old.clone(), again.clone()]).unwrap();
        mirror.record([again.clone()]).unwrap();
        mirror.write_file(&again, b"now").unwrap();
        assert_eq!(mirror.finish(|_| true).unwrap(), [old]);
        assert!(!dir.path().join("s/old.html").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("s/again.html")).unwrap(),
            "now"
        );
    }
}
