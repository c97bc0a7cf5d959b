//! Private files: the data folder, the database (with its `-wal` and `-shm`) and every
//! export hold children's names, ID numbers, positions and phone numbers, so they are
//! the owner's alone: folders `0700`, files `0600`, set explicitly so the umask does
//! not matter.
//!
//! A data folder that already exists is the operator's choice and is not changed; if
//! group or others may read or write it, [`data_dir_warning`] says so and how to fix
//! it. Files Tianye writes are always tightened. Unix only: elsewhere these create and
//! open files plainly and warn about nothing.

use std::fs::File;
use std::io;
use std::path::Path;

/// Mode of a folder Tianye creates for data.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file Tianye writes with data in it.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) with mode `0700`; returns whether it was
/// created. An existing folder is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)?;
        // The umask may have taken bits away: the folder is exactly 0700.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(true)
}

/// Creates `path` for writing, or empties it if it exists, with mode `0600` whatever
/// the umask or the mode an existing file had.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let file = options.open(path)?;
    restrict_open(&file)?;
    Ok(file)
}

/// Creates `path`, empty and `0600`, unless it exists (an existing file is left as it
/// is: see [`restrict_if_present`]).
pub fn create_private_if_absent(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    match options.open(path) {
        Ok(file) => restrict_open(&file),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets `path` to `0600` if it exists (files SQLite made before Tianye could choose
/// their mode).
pub fn restrict_if_present(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(m) if m.permissions().mode() & 0o777 != FILE_MODE => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(FILE_MODE))
            }
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

fn restrict_open(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o777 != FILE_MODE {
            file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// The warning for an existing data folder that group or others may read or write
/// (`None` when only its owner can, or off Unix). Execute alone (`0711`) is not
/// reported: it lets others reach a file by name, and the files are `0600`.
pub fn data_dir_warning(dir: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir).ok()?.permissions().mode() & 0o777;
        (mode & 0o066 != 0).then(|| {
            let d = dir.display();
            format!(
                "数据目录 {d} 的权限是 {mode:04o}，同组或其他用户可以读取或写入（其中有儿童的个人信息）；请运行 chmod 700 {d} / \
                 the data folder {d} has mode {mode:04o}: group or other users can read or write it (it holds children's personal data); run chmod 700 {d}"
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_folders_and_files_are_private_and_existing_files_are_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/data");
        assert!(create_private_dir(&dir).unwrap());
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(data_dir_warning(&dir), None);

        let file = dir.join("out.csv");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(create_private_file(&file).unwrap());
        assert_eq!((mode(&file), std::fs::read(&file).unwrap().len()), (0o600, 0));

        let db = dir.join("db");
        std::fs::write(&db, "kept").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o664)).unwrap();
        create_private_if_absent(&db).unwrap();
        assert_eq!((mode(&db), std::fs::read_to_string(&db).unwrap().as_str()), (0o664, "kept"));
        restrict_if_present(&db).unwrap();
        assert_eq!((mode(&db), std::fs::read_to_string(&db).unwrap().as_str()), (0o600, "kept"));
        restrict_if_present(&dir.join("absent")).unwrap();

        let new_db = dir.join("new-db");
        create_private_if_absent(&new_db).unwrap();
        assert_eq!((mode(&new_db), std::fs::read(&new_db).unwrap().len()), (0o600, 0));
    }

    #[test]
    fn an_open_folder_is_warned_about_and_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        for (m, warned) in [(0o755, true), (0o770, true), (0o702, true), (0o711, false)] {
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(m)).unwrap();
            assert!(!create_private_dir(tmp.path()).unwrap());
            assert_eq!(mode(tmp.path()), m);
            let warning = data_dir_warning(tmp.path());
            assert_eq!(warning.is_some(), warned, "{m:o}");
            if let Some(w) = warning {
                assert!(w.contains(&format!("chmod 700 {}", tmp.path().display())), "{w}");
                assert!(w.contains(&format!("{m:04o}")), "{w}");
            }
        }
    }
}
