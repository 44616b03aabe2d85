//! Files on behalf of plugins, through cap-std directory handles opened once on the host's plugins directory: an
//! install's files (`<id>/<version>/`), a plugin's private `data-dir` (`<id>/data/`), and the compiled cache
//! (`.compiled/`). Every path is resolved inside its handle, so none can leave it, whatever it says (`..`, an
//! absolute path, a symlink out), by construction rather than by checking strings. Ids and versions are validated
//! by the manifest as well; this is the second wall.

use std::io;
use std::path::{Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

pub struct PluginFiles {
    root: Dir,
    path: PathBuf,
}

/// A plugin's private directory, held open: the `/data` its calls get is this directory, even if the path were
/// swapped underneath.
pub struct DataDir {
    dir: Dir,
    path: PathBuf,
}

impl DataDir {
    /// The path WASI preopens for a call. wasmtime-wasi opens preopens by path; on Linux this is the held handle's
    /// `/proc/self/fd` entry, so the preopen is this very directory.
    pub fn preopen_path(&self) -> PathBuf {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            PathBuf::from(format!("/proc/self/fd/{}", self.dir.as_raw_fd()))
        }
        #[cfg(not(target_os = "linux"))]
        {
            self.path.clone()
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl PluginFiles {
    /// Open (creating it) the plugins directory: the one place the host uses its ambient file-system authority.
    pub fn open(path: PathBuf) -> io::Result<Self> {
        std::fs::create_dir_all(&path)?;
        let root = Dir::open_ambient_dir(&path, ambient_authority())?;
        Ok(Self { root, path })
    }

    fn version(id: &str, version: &str) -> PathBuf {
        Path::new(id).join(version)
    }

    /// A subdirectory of the plugins directory (created), as its own handle, with its path.
    pub fn subdir(&self, name: &str) -> io::Result<(Dir, PathBuf)> {
        self.root.create_dir_all(name)?;
        Ok((self.root.open_dir(name)?, self.path.join(name)))
    }

    /// Write a version's files, each whole (a temporary name, then renamed into place).
    pub fn write_version(&self, id: &str, version: &str, files: &[(&str, &[u8])]) -> io::Result<()> {
        let dir = Self::version(id, version);
        self.root.create_dir_all(&dir)?;
        let dir = self.root.open_dir(&dir)?;
        for (name, bytes) in files {
            write_whole(&dir, name, bytes)?;
        }
        Ok(())
    }

    pub fn read(&self, id: &str, version: &str, name: &str) -> io::Result<Vec<u8>> {
        self.root.read(Self::version(id, version).join(name))
    }

    pub fn read_to_string(&self, id: &str, version: &str, name: &str) -> io::Result<String> {
        self.root.read_to_string(Self::version(id, version).join(name))
    }

    pub fn write(&self, id: &str, version: &str, name: &str, bytes: &[u8]) -> io::Result<()> {
        write_whole(&self.root.open_dir(Self::version(id, version))?, name, bytes)
    }

    pub fn remove_file(&self, id: &str, version: &str, name: &str) -> io::Result<()> {
        self.root.remove_file(Self::version(id, version).join(name))
    }

    pub fn remove_version(&self, id: &str, version: &str) -> io::Result<()> {
        self.root.remove_dir_all(Self::version(id, version))
    }

    /// Everything of a plugin: its versions and its data.
    pub fn remove_plugin(&self, id: &str) -> io::Result<()> {
        self.root.remove_dir_all(id)
    }

    /// The plugin's private directory (created), beside its versions so an upgrade keeps it.
    pub fn data_dir(&self, id: &str) -> io::Result<DataDir> {
        let rel = Path::new(id).join("data");
        self.root.create_dir_all(&rel)?;
        Ok(DataDir { dir: self.root.open_dir(&rel)?, path: self.path.join(rel) })
    }
}

/// Write `bytes` as `name` in `dir` whole or not at all: a temporary name, then renamed over. A file that is
/// memory-mapped (a compiled artifact) is thus never changed in place.
pub fn write_whole(dir: &Dir, name: &str, bytes: &[u8]) -> io::Result<()> {
    write_whole_with(dir, name, |e| e, |mut file| std::io::Write::write_all(&mut file, bytes))
}

/// [`write_whole`], with the content written by `fill` into the temporary file (which may hand it to a child
/// process). `io_error` maps this function's own file errors into `fill`'s error type.
pub fn write_whole_with<E>(
    dir: &Dir,
    name: &str,
    io_error: impl Fn(io::Error) -> E,
    fill: impl FnOnce(std::fs::File) -> Result<(), E>,
) -> Result<(), E> {
    let tmp = format!(".{name}.{}.tmp", fastrand::u64(..));
    let file = dir.create(&tmp).map_err(&io_error)?;
    let written = fill(file.into_std()).and_then(|()| dir.rename(&tmp, dir, name).map_err(&io_error));
    if written.is_err() {
        let _ = dir.remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cm-plugin-files-{tag}-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn no_path_leaves_the_plugins_directory() {
        let base = scratch("escape");
        let outside = base.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let files = PluginFiles::open(base.join("plugins")).unwrap();
        files.write_version("ok", "1.0.0", &[("plugin.toml", b"id = \"ok\"")]).unwrap();
        assert_eq!(files.read("ok", "1.0.0", "plugin.toml").unwrap(), b"id = \"ok\"");

        // `..` out of the root, an absolute path, and a symlink inside the root pointing out: all refused.
        assert!(files.write_version("..", "outside", &[("x", b"x")]).is_err());
        assert!(files.write_version(outside.to_str().unwrap(), "1.0.0", &[("x", b"x")]).is_err());
        assert!(files.read("..", "..", "etc/passwd").is_err());
        assert!(files.remove_plugin("../outside").is_err());
        std::os::unix::fs::symlink(&outside, base.join("plugins/evil")).unwrap();
        assert!(files.write_version("evil", "1.0.0", &[("x", b"x")]).is_err());
        assert!(files.data_dir("evil").is_err(), "a data dir that is a symlink out is not opened");
        std::os::unix::fs::symlink(&outside, base.join("plugins/ok/data")).unwrap();
        assert!(files.data_dir("ok").is_err());
        assert!(std::fs::read_dir(&outside).unwrap().next().is_none(), "nothing was written outside");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn the_data_dir_preopen_is_the_held_directory() {
        let base = scratch("data");
        let files = PluginFiles::open(base.join("plugins")).unwrap();
        let data = files.data_dir("p").unwrap();
        std::fs::write(data.preopen_path().join("note"), b"hi").unwrap();
        assert_eq!(std::fs::read(base.join("plugins/p/data/note")).unwrap(), b"hi");
        assert_eq!(data.path(), base.join("plugins/p/data"));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
