//! Writing the output folder all or nothing, one run at a time, across crashes.
//!
//! A run holds an advisory lock on `DIR/.codegen.lock` (see [`lock_out`]), so two runs never
//! interleave. It stages every new file in a work folder of its own (`DIR/.codegen-run-…`, a
//! unique name) and then commits a journal, `DIR/.codegen-journal`, that lists each step it is
//! about to take. Only then are old files moved into the work folder and new ones renamed into
//! place. Removing the journal is the commit point. A run that fails undoes its steps at once; a
//! run that was killed leaves its journal, and the next run (under the lock) undoes those steps
//! before anything else ([`recover`]), so the tree is always either all old or all new.
//!
//! What a leftover journal or work folder says is never trusted: a work folder is the writer's
//! only if it carries `WORK_MARKER`, and every path a journal names is checked against the real
//! folder (no link on the way, inside `out` once resolved) before recovery acts on any of them
//! (`check_journal`), so a planted journal cannot make a run write, move or delete anything
//! outside `out`.

use crate::{checked_relative, CodegenError};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

const LOCK: &str = ".codegen.lock";
const JOURNAL: &str = ".codegen-journal";
const WORK_PREFIX: &str = ".codegen-run-";
const JOURNAL_FIRST_LINE: &str = "graph-codegen journal 1";
/// The empty file a work folder holds from its creation on. A folder merely named like a work
/// folder (`.codegen-run-notes`) is someone's own, and is neither removed nor undone from.
const WORK_MARKER: &str = "graph-codegen-work-folder";

/// The exclusive lock of one output folder; the lock file is removed when this is dropped.
pub struct OutLock {
    out: PathBuf,
    file: fs::File,
}

impl OutLock {
    pub fn out(&self) -> &Path {
        &self.out
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Removed while still locked: a run waiting on this file sees it gone or replaced and
        // opens the new one (see `lock_out`), so two runs never both hold "the" lock.
        let _ = fs::remove_file(self.out.join(LOCK));
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// Locks `out` (which must exist) for one run, or fails at once if another run holds it.
pub fn lock_out(out: &Path) -> Result<OutLock, CodegenError> {
    let path = out.join(LOCK);
    // A few tries: each one lost means another run removed the file between our open and lock.
    for _ in 0..16 {
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        no_follow(&mut options);
        let file = options.open(&path).map_err(|e| CodegenError::Write(path.clone(), e))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => return Err(CodegenError::Busy(out.to_path_buf())),
            Err(fs4::TryLockError::Error(e)) => return Err(CodegenError::Write(path, e)),
        }
        if same_file(&file, &path) {
            return Ok(OutLock { out: out.to_path_buf(), file });
        }
    }
    Err(CodegenError::Busy(out.to_path_buf()))
}

/// For `--check`, which writes nothing: fails if a run holds `out`'s lock, and otherwise returns
/// the lock file (if there is one) held shared, so no run starts while the tree is read.
pub fn lock_out_shared(out: &Path) -> Result<Option<fs::File>, CodegenError> {
    let path = out.join(LOCK);
    let mut options = fs::OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    let file = match options.open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CodegenError::Read(path, e)),
    };
    match fs4::FileExt::try_lock_shared(&file) {
        Ok(()) => Ok(Some(file)),
        Err(fs4::TryLockError::WouldBlock) => Err(CodegenError::Busy(out.to_path_buf())),
        Err(fs4::TryLockError::Error(e)) => Err(CodegenError::Read(path, e)),
    }
}

fn no_follow(options: &mut fs::OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = options;
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &fs::File, _: &Path) -> bool {
    // Elsewhere an open file cannot be removed, so the lock file is the one opened.
    true
}

/// What an interrupted run left in `out`, if anything: its journal, or work folders that hold
/// anything. An empty work folder (a run that could not fill it, out of inodes, or was killed just
/// after creating it) is no sign of an interrupted run: no file outside it was touched.
pub fn leftovers(out: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if fs::symlink_metadata(out.join(JOURNAL)).is_ok() {
        found.push(out.join(JOURNAL));
    }
    found.extend(work_dirs(out).into_iter().filter(|(_, kind)| *kind == WorkDir::Marked).map(|(path, _)| path));
    found
}

/// What a folder directly in `out` named like a work folder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WorkDir {
    /// Carries the marker: a run's work folder, to be removed whole.
    Marked,
    /// Empty, under a name of the form the writer gives (`.codegen-run-<pid>-<nanos>-<n>`): a run
    /// stopped before it could write the marker. Removing it loses nothing.
    Empty,
}

/// The work folders of earlier runs: real directories (never links) directly in `out`, each with
/// its kind; folders that only look like one (see [`work_dir_kind`]) are left out.
fn work_dirs(out: &Path) -> Vec<(PathBuf, WorkDir)> {
    let Ok(entries) = fs::read_dir(out) else { return Vec::new() };
    let mut dirs: Vec<(PathBuf, WorkDir)> =
        entries.flatten().filter_map(|e| Some((e.path(), work_dir_kind(out, e.file_name().to_str()?)?))).collect();
    dirs.sort_by(|a, b| a.0.cmp(&b.0));
    dirs
}

/// What `out/name` is if it is a work folder of this writer; `None` for anything else, however
/// it is named.
fn work_dir_kind(out: &Path, name: &str) -> Option<WorkDir> {
    let dir = out.join(name);
    if !name.starts_with(WORK_PREFIX) || !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
        return None;
    }
    if fs::symlink_metadata(dir.join(WORK_MARKER)).is_ok_and(|m| m.is_file()) {
        return Some(WorkDir::Marked);
    }
    let writer_named = name.strip_prefix(WORK_PREFIX).is_some_and(|rest| {
        let parts: Vec<&str> = rest.split('-').collect();
        parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    });
    let empty = fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_none());
    (writer_named && empty).then_some(WorkDir::Empty)
}

/// One step the journal lists. Paths are relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A folder that did not exist, created for new files.
    Dir(String),
    /// The staged file `new/N` replaces `path`; `old` says whether there was a file to move to `old/N`.
    Put { n: usize, old: bool, path: String },
    /// The extra file `path` moved to `old/N`.
    Remove { n: usize, path: String },
}

impl Step {
    fn path(&self) -> &str {
        match self {
            Step::Dir(path) | Step::Put { path, .. } | Step::Remove { path, .. } => path,
        }
    }
}

struct Journal {
    /// The work folder's name, directly in `out`.
    work: String,
    steps: Vec<Step>,
}

impl Journal {
    fn to_text(&self) -> String {
        let mut text = format!("{JOURNAL_FIRST_LINE}\nwork {}\n", self.work);
        for step in &self.steps {
            text.push_str(&match step {
                Step::Dir(path) => format!("dir {path}\n"),
                Step::Put { n, old, path } => format!("put {n} {} {path}\n", u8::from(*old)),
                Step::Remove { n, path } => format!("remove {n} {path}\n"),
            });
        }
        text.push_str("end\n");
        text
    }

    /// The journal in `text`, or `None` if it is not one this writer wrote whole. Every path is
    /// checked again to stay inside the output folder, since the file could have been edited.
    fn parse(text: &str) -> Option<Journal> {
        let mut lines = text.lines();
        (lines.next()? == JOURNAL_FIRST_LINE).then_some(())?;
        let work = lines.next()?.strip_prefix("work ")?.to_string();
        let work_ok = work.starts_with(WORK_PREFIX) && !work.contains(['/', '\\']) && work != WORK_PREFIX;
        work_ok.then_some(())?;
        let mut steps = Vec::new();
        for line in lines {
            if line == "end" {
                return Some(Journal { work, steps });
            }
            let (kind, rest) = line.split_once(' ')?;
            let step = match kind {
                "dir" => Step::Dir(rest.to_string()),
                "put" => {
                    let (n, rest) = rest.split_once(' ')?;
                    let (old, path) = rest.split_once(' ')?;
                    Step::Put { n: n.parse().ok()?, old: old == "1", path: path.to_string() }
                }
                "remove" => {
                    let (n, path) = rest.split_once(' ')?;
                    Step::Remove { n: n.parse().ok()?, path: path.to_string() }
                }
                _ => return None,
            };
            checked_relative(step.path()).ok()?;
            steps.push(step);
        }
        None
    }
}

/// For tests: a failure injected before the N-th step that changes the disk (counted from 0),
/// either reported as an I/O error (and undone, as any failure is) or left as a crash leaves it.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    FailAt(usize),
    StopAt(usize),
    /// No failure, but a wait between staging and the swap, as a busy machine may take: the
    /// moment a build started then is what the files written must not predate.
    PauseBeforeSwap(std::time::Duration),
}

/// Counts the steps of one run against a [`Fault`].
struct Steps {
    fault: Fault,
    done: usize,
}

/// How a run ended early on purpose: a failure to undo, or a simulated crash to leave as it is.
enum Early {
    Fail(PathBuf, io::Error),
    Crash,
}

impl Early {
    fn into_error(self, out: &Path) -> CodegenError {
        match self {
            Early::Fail(path, e) => CodegenError::Write(path, e),
            Early::Crash => CodegenError::Write(out.join(JOURNAL), io::Error::other("stopped as a crash would (test)")),
        }
    }
}

impl Steps {
    /// Called before each step that changes the disk, with the path it is about.
    fn next(&mut self, path: &Path) -> Result<(), Early> {
        let at = self.done;
        self.done += 1;
        match self.fault {
            Fault::FailAt(n) if n == at => Err(Early::Fail(path.to_path_buf(), io::Error::other("failure injected by a test"))),
            Fault::StopAt(n) if n == at => Err(Early::Crash),
            _ => Ok(()),
        }
    }
}

/// A new file to stage: its relative path and contents, and whether an old file is replaced.
pub struct Put<'a> {
    pub path: &'a str,
    pub contents: &'a str,
    pub old: bool,
}

/// Applies the puts and removals under `lock` all or nothing (see the module's comment). Nothing
/// here follows a link: `compare` has checked that no link or foreign file is in the way.
pub fn commit(lock: &OutLock, puts: &[Put<'_>], removals: &[&str], fault: Fault) -> Result<(), CodegenError> {
    let out = lock.out();
    let mut steps = Steps { fault, done: 0 };
    let work = create_work_dir(out, &mut steps).map_err(|early| early.into_error(out))?;
    let work_name = work.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let journal = Journal { work: work_name, steps: plan_steps(out, puts, removals) };
    let staged = stage(out, &work, &journal, puts, &mut steps);
    if let (Ok(()), Fault::PauseBeforeSwap(pause)) = (&staged, fault) {
        std::thread::sleep(pause);
    }
    let committed = staged.and_then(|()| swap(out, &work, &journal, &mut steps));
    match committed {
        Ok(()) => {
            // The commit point: from here on the new tree stands even if the cleanup is cut short.
            remove_journal(out)?;
            let _ = fs::remove_dir_all(&work);
            Ok(())
        }
        Err(Early::Fail(path, e)) => {
            undo(out, &journal).map_err(|(p, e)| CodegenError::Recover(p, e))?;
            remove_journal(out)?;
            let _ = fs::remove_dir_all(&work);
            Err(CodegenError::Write(path, e))
        }
        Err(crash) => Err(crash.into_error(out)),
    }
}

/// A fresh work folder directly in `out`, named for this process and moment so no two runs (or a
/// run and the leftovers of a killed one) share one, marked as the writer's before anything is put
/// in it. If it cannot be filled (out of inodes, say), it is removed again: an empty folder left
/// behind would only be taken for an interrupted run.
fn create_work_dir(out: &Path, steps: &mut Steps) -> Result<PathBuf, Early> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut last = io::Error::other("no name tried");
    steps.next(&out.join(format!("{WORK_PREFIX}…")))?;
    for attempt in 0..100u32 {
        let dir = out.join(format!("{WORK_PREFIX}{}-{nanos}-{attempt}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => {
                return match fill_work_dir(&dir, steps) {
                    Ok(()) => Ok(dir),
                    Err(Early::Fail(path, e)) => {
                        let _ = fs::remove_dir_all(&dir);
                        Err(Early::Fail(path, e))
                    }
                    Err(Early::Crash) => Err(Early::Crash),
                };
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(Early::Fail(dir, e)),
        }
    }
    Err(Early::Fail(out.to_path_buf(), last))
}

/// The marker first (so the folder is known as the writer's from then on), then `new/` and `old/`.
fn fill_work_dir(dir: &Path, steps: &mut Steps) -> Result<(), Early> {
    let marker = dir.join(WORK_MARKER);
    steps.next(&marker)?;
    write_new(&marker, b"").map_err(|e| Early::Fail(marker, e))?;
    for sub in ["new", "old"] {
        let sub = dir.join(sub);
        steps.next(&sub)?;
        fs::create_dir(&sub).map_err(|e| Early::Fail(sub, e))?;
    }
    Ok(())
}

/// The steps in the order they are taken: missing folders (outermost first), then the files, then
/// the removals.
fn plan_steps(out: &Path, puts: &[Put<'_>], removals: &[&str]) -> Vec<Step> {
    let mut dirs: Vec<String> = Vec::new();
    for put in puts {
        let mut prefix = String::new();
        let parts: Vec<&str> = put.path.split('/').collect();
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            prefix = if prefix.is_empty() { (*part).to_string() } else { format!("{prefix}/{part}") };
            if fs::symlink_metadata(out.join(&prefix)).is_err() && !dirs.contains(&prefix) {
                dirs.push(prefix.clone());
            }
        }
    }
    let mut steps: Vec<Step> = dirs.into_iter().map(Step::Dir).collect();
    steps.extend(puts.iter().enumerate().map(|(n, p)| Step::Put { n, old: p.old, path: p.path.to_string() }));
    steps.extend(removals.iter().enumerate().map(|(i, path)| Step::Remove { n: puts.len() + i, path: (*path).to_string() }));
    steps
}

/// Writes each new file into the work folder, flushed to disk, then the journal beside them, and
/// renames the journal into `out`: until then nothing outside the work folder has changed.
fn stage(out: &Path, work: &Path, journal: &Journal, puts: &[Put<'_>], steps: &mut Steps) -> Result<(), Early> {
    let mut staged = Vec::with_capacity(puts.len());
    for (n, put) in puts.iter().enumerate() {
        let path = work.join("new").join(n.to_string());
        steps.next(&out.join(put.path))?;
        write_new(&path, put.contents.as_bytes()).map_err(|e| Early::Fail(out.join(put.path), e))?;
        staged.push((path, out.join(put.path)));
    }
    flush_staged(work, &staged).map_err(|(path, e)| Early::Fail(path, e))?;
    let draft = work.join("journal");
    steps.next(&out.join(JOURNAL))?;
    write_synced(&draft, journal.to_text().as_bytes()).map_err(|e| Early::Fail(draft.clone(), e))?;
    fs::rename(&draft, out.join(JOURNAL)).map_err(|e| Early::Fail(out.join(JOURNAL), e))?;
    sync_dir(out);
    Ok(())
}

/// Takes the journal's steps: folders created, old files moved into the work folder, new ones
/// renamed into place, extra ones moved away.
fn swap(out: &Path, work: &Path, journal: &Journal, steps: &mut Steps) -> Result<(), Early> {
    let root = fs::canonicalize(out).map_err(|e| Early::Fail(out.to_path_buf(), e))?;
    for step in &journal.steps {
        // `compare` found no link on the way, but generating and staging take a while: a folder
        // turned into a link since then is caught here, right before the step, and not written
        // through.
        check_step_path(out, &root, step.path()).map_err(|(at, why)| {
            Early::Fail(
                at,
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{why}; it changed during the run, and codegen writes nothing through links"),
                ),
            )
        })?;
        match step {
            Step::Dir(path) => {
                let dir = out.join(path);
                steps.next(&dir)?;
                fs::create_dir(&dir).map_err(|e| Early::Fail(dir, e))?;
            }
            Step::Put { n, old, path } => {
                let target = out.join(path);
                if *old {
                    steps.next(&target)?;
                    fs::rename(&target, work.join("old").join(n.to_string())).map_err(|e| Early::Fail(target.clone(), e))?;
                }
                steps.next(&target)?;
                let staged = work.join("new").join(n.to_string());
                // Opened before the rename, so the file marked is the one renamed, wherever a path
                // might lead by then.
                let file = open_to_touch(&staged).map_err(|e| Early::Fail(target.clone(), e))?;
                fs::rename(&staged, &target).map_err(|e| Early::Fail(target.clone(), e))?;
                touch(&file).map_err(|e| Early::Fail(target, e))?;
            }
            Step::Remove { n, path } => {
                let target = out.join(path);
                steps.next(&target)?;
                fs::rename(&target, work.join("old").join(n.to_string())).map_err(|e| Early::Fail(target, e))?;
            }
        }
    }
    Ok(())
}

/// Undoes whatever of `journal`'s steps were taken, last first. Each undo looks at the disk
/// rather than trusting a count, so it is right wherever the run stopped, and running it twice
/// (a crash during recovery) does no harm. Nothing is done unless [`check_journal`] passes first.
/// Returns the path it could not restore (or that the check refused), if any.
fn undo(out: &Path, journal: &Journal) -> Result<(), (PathBuf, io::Error)> {
    let root = check_journal(out, journal)?;
    let work = out.join(&journal.work);
    for step in journal.steps.iter().rev() {
        // Again right before acting, so a folder turned into a link since the check above is
        // still not gone through (the window left is this one step).
        check_step_path(out, &root, step.path()).map_err(|(at, why)| refusal(out, at, why))?;
        match step {
            Step::Put { n, old, path } => {
                let target = out.join(path);
                let backup = work.join("old").join(n.to_string());
                if exists(&backup) {
                    // The old file was moved aside: put it back over whatever stands there now.
                    restore(&backup, &target)?;
                } else if !old && !exists(&work.join("new").join(n.to_string())) && is_ours(&target) {
                    // A new file was renamed into place (its staged copy is gone): remove it,
                    // but only if it is still the generator's.
                    fs::remove_file(&target).map_err(|e| (target, e))?;
                }
            }
            Step::Remove { n, path } => {
                let backup = work.join("old").join(n.to_string());
                if exists(&backup) {
                    restore(&backup, &out.join(path))?;
                }
            }
            // Only if empty: a folder someone else has put files in since stays.
            Step::Dir(path) => {
                let _ = fs::remove_dir(out.join(path));
            }
        }
    }
    Ok(())
}

/// Puts a moved-aside file back, marked as modified now: a build that started while the new file
/// stood there must not take the old one for what it compiled.
fn restore(backup: &Path, target: &Path) -> Result<(), (PathBuf, io::Error)> {
    // Best effort: a file that cannot be opened for writing is still put back.
    let file = open_to_touch(backup).ok();
    fs::rename(backup, target).map_err(|e| (target.to_path_buf(), e))?;
    if let Some(file) = file {
        let _ = touch(&file);
    }
    Ok(())
}

/// Before recovery acts on any path a journal names: the work folder is a marked work folder of
/// this writer, its `new/` and `old/` are real folders of regular files, and every path the steps
/// name has only real folders on the way (no link, no file; checked from `out` down, as far as
/// they exist), resolves inside `out`, and has no hidden part (generated paths have none; the
/// `.codegen-*` names are the writer's own). Undoing moves files out of the work folder into those
/// paths and removes files and folders at them, so a journal planted beside a link
/// (`src -> ../elsewhere`) would otherwise overwrite or delete files outside `out`. Returns `out`
/// resolved, for the check of each path again right before it is acted on.
fn check_journal(out: &Path, journal: &Journal) -> Result<PathBuf, (PathBuf, io::Error)> {
    let refuse = |at: &Path, why: String| Err(refusal(out, at.to_path_buf(), why));
    let work = out.join(&journal.work);
    if work_dir_kind(out, &journal.work) != Some(WorkDir::Marked) {
        return refuse(&work, "it names a work folder that is not one graph-codegen made (a link, or no marker)".to_string());
    }
    for sub in ["new", "old"] {
        let dir = work.join(sub);
        match fs::symlink_metadata(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err((dir, e)),
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return refuse(&dir, "its work folder keeps files in a link or a file, not a folder".to_string()),
        }
        for entry in fs::read_dir(&dir).map_err(|e| (dir.clone(), e))? {
            let entry = entry.map_err(|e| (dir.clone(), e))?;
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                return refuse(&entry.path(), "its work folder holds a link or a folder where it keeps files".to_string());
            }
        }
    }
    let root = fs::canonicalize(out).map_err(|e| (out.to_path_buf(), e))?;
    for step in &journal.steps {
        check_step_path(out, &root, step.path()).map_err(|(at, why)| refusal(out, at, why))?;
    }
    Ok(root)
}

/// The error for a journal that leads where recovery must not go: `at`, and `why` in a sentence
/// about the journal.
fn refusal(out: &Path, at: PathBuf, why: String) -> (PathBuf, io::Error) {
    let why = format!(
        "the journal {} of an interrupted run is not undone: {why}, so undoing it could change files outside the output folder. \
         If you did not put it there, compare the folder with version control, then delete the journal and the .codegen-run-* folders",
        out.join(JOURNAL).display()
    );
    (at, io::Error::new(io::ErrorKind::InvalidData, why))
}

/// Whether `path` (a journal's, or a step's about to be taken) has only real folders on the way
/// from `out` (as far as they exist), resolves inside `root` (`out` resolved) and has no hidden
/// part; if not, where and why.
fn check_step_path(out: &Path, root: &Path, path: &str) -> Result<(), (PathBuf, String)> {
    if path.split('/').any(|part| part.starts_with('.')) {
        return Err((out.join(path), format!("{path} is a hidden path, which graph-codegen never writes")));
    }
    let parts: Vec<&str> = path.split('/').collect();
    let mut deepest = out.to_path_buf();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        let at = deepest.join(part);
        match fs::symlink_metadata(&at) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => break,
            Err(e) => return Err((at, format!("{path} cannot be examined ({e})"))),
            Ok(meta) if meta.is_dir() => deepest = at,
            Ok(_) => return Err((at.clone(), format!("{path} leads through {}, a link (or a file) where a folder goes", at.display()))),
        }
    }
    match fs::canonicalize(&deepest) {
        Ok(resolved) if resolved.starts_with(root) => Ok(()),
        Ok(_) => Err((deepest, format!("{path} resolves outside the output folder"))),
        Err(e) => Err((deepest, format!("{path} cannot be resolved ({e})"))),
    }
}

/// Before anything else in a run (under the lock): undoes an interrupted run recorded in the
/// journal, then removes the work folders runs left behind. Returns what was recovered.
pub fn recover(lock: &OutLock) -> Result<Vec<PathBuf>, CodegenError> {
    let out = lock.out();
    let journal_path = out.join(JOURNAL);
    let mut recovered = Vec::new();
    if fs::symlink_metadata(&journal_path).is_ok() {
        let bytes = crate::read::read_regular(&journal_path, crate::read::Links::Refuse)
            .map_err(|e| CodegenError::Read(journal_path.clone(), e))?;
        // What it names is checked against the folder by `undo` before anything is undone.
        let parsed = std::str::from_utf8(&bytes).ok().and_then(Journal::parse);
        let Some(journal) = parsed else {
            return Err(CodegenError::Recover(
                journal_path,
                io::Error::new(io::ErrorKind::InvalidData, "the journal of an interrupted run is damaged, so it cannot be undone safely; compare the folder with version control, then delete the journal and the .codegen-run-* folders"),
            ));
        };
        undo(out, &journal).map_err(|(p, e)| CodegenError::Recover(p, e))?;
        remove_journal(out)?;
        recovered.push(journal_path);
    }
    for (dir, kind) in work_dirs(out) {
        match kind {
            WorkDir::Marked => fs::remove_dir_all(&dir),
            // Only if still empty: a file put there since is someone's.
            WorkDir::Empty => fs::remove_dir(&dir),
        }
        .map_err(|e| CodegenError::Recover(dir.clone(), e))?;
        recovered.push(dir);
    }
    Ok(recovered)
}

fn remove_journal(out: &Path) -> Result<(), CodegenError> {
    let path = out.join(JOURNAL);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(CodegenError::Recover(path, e)),
    }
    sync_dir(out);
    Ok(())
}

fn is_ours(path: &Path) -> bool {
    crate::read::first_line(path).is_some_and(|l| graph_codegen::is_header_first_line(&l))
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Opens a file this run staged (or moved aside), never through a link, to mark it modified once
/// it is in place: see [`touch`].
fn open_to_touch(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    no_follow(&mut options);
    options.open(path)
}

/// Marks a file modified now. Cargo takes a source file whose modification time is older than the
/// start of a build as compiled by it; a staged file keeps the moment it was staged, so a build
/// that started between staging and the swap would stay `Fresh` with the old code.
fn touch(file: &fs::File) -> io::Result<()> {
    file.set_modified(std::time::SystemTime::now())
}

/// Writes a new file (never an existing one) and flushes it, so a journal that names it is never
/// on disk before its contents.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_new(path, bytes)?.sync_all()
}

/// Writes a new file (never an existing one), unflushed: `flush_staged` flushes staged files
/// together.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<fs::File> {
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    Ok(file)
}

/// Flushes every staged file before the journal that names them is written. On Linux one
/// `syncfs` of the work folder's filesystem does it: a crate of all of Graph stages about 6,000
/// files, and a flush each took longer than generating them. Elsewhere, or if `syncfs` fails,
/// each file is flushed on its own. The error names the target the file was staged for.
fn flush_staged(work: &Path, staged: &[(PathBuf, PathBuf)]) -> Result<(), (PathBuf, io::Error)> {
    #[cfg(target_os = "linux")]
    if staged.len() > 1 {
        if let Ok(dir) = fs::File::open(work) {
            use std::os::fd::AsRawFd;
            // SAFETY: the descriptor is open for the whole call; syncfs only reads it.
            if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
                return Ok(());
            }
        }
    }
    let _ = work;
    for (path, target) in staged {
        fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| (target.clone(), e))?;
    }
    Ok(())
}

/// Flushes a folder's entries (the journal's creation or removal). Best effort: not every
/// platform can open a folder, and a missed flush matters only on power loss.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
