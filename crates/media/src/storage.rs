//! Where media files live. Midad writes, checks and deletes them through [`Storage`], so
//! the files can stay on the local disk (the default, [`LocalDisk`]) or, for several nodes,
//! go to an object store that implements the same four operations. File names are content
//! hashes (`YYYY/MM/<hash>-<name>.<ext>`): one name never changes meaning, which is why
//! writing is "put once".

use std::io;
use std::path::{Path, PathBuf};

pub trait Storage: Send + Sync {
    /// Writes `bytes` under `rel` unless a file is there already, so that no reader ever sees
    /// half a file under its final name.
    fn put_once(&self, rel: &str, bytes: &[u8]) -> io::Result<()>;
    fn exists(&self, rel: &str) -> bool;
    fn read(&self, rel: &str) -> io::Result<Vec<u8>>;
    /// Removes `rel`; a file already gone is not an error.
    fn delete(&self, rel: &str) -> io::Result<()>;
}

/// Files in a folder on this machine (`data_dir/media`), served by the site as `/media/…`.
#[derive(Clone, Debug)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: impl Into<PathBuf>) -> LocalDisk {
        LocalDisk { root: root.into() }
    }

    /// The file a path names, refusing any path that could leave the folder.
    fn file(&self, rel: &str) -> io::Result<PathBuf> {
        let safe = !rel.is_empty()
            && !rel.starts_with('/')
            && !rel.contains('\\')
            && rel
                .split('/')
                .all(|s| !s.is_empty() && s != "." && s != "..");
        if safe {
            Ok(self.root.join(rel))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not a media path: {rel}"),
            ))
        }
    }
}

fn tmp_path(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    dest.with_file_name(name)
}

impl Storage for LocalDisk {
    fn put_once(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let dest = self.file(rel)?;
        if dest.exists() {
            return Ok(());
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Through a temporary name and a rename: a crash never leaves half a file.
        let tmp = tmp_path(&dest);
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &dest)
    }

    fn exists(&self, rel: &str) -> bool {
        self.file(rel).is_ok_and(|f| f.is_file())
    }

    fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.file(rel)?)
    }

    fn delete(&self, rel: &str) -> io::Result<()> {
        match std::fs::remove_file(self.file(rel)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_once_read_delete_and_no_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let disk = LocalDisk::new(dir.path());
        disk.put_once("2024/11/a.jpg", b"one").unwrap();
        disk.put_once("2024/11/a.jpg", b"two").unwrap();
        assert_eq!(
            disk.read("2024/11/a.jpg").unwrap(),
            b"one",
            "a name keeps its content"
        );
        assert!(disk.exists("2024/11/a.jpg"));
        disk.delete("2024/11/a.jpg").unwrap();
        disk.delete("2024/11/a.jpg").unwrap();
        assert!(!disk.exists("2024/11/a.jpg"));
        for bad in ["../x", "/etc/passwd", "a/../../x", "", "a\\b"] {
            assert!(disk.put_once(bad, b"x").is_err(), "{bad}");
            assert!(!disk.exists(bad));
        }
    }
}
